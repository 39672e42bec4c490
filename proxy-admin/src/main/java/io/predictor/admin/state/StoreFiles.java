package io.predictor.admin.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** File chores shared by the journal and the snapshot: whole writes, directory fsync, mapping, damage reports. */
final class StoreFiles {

    private StoreFiles() {
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Makes a file's creation, rename or deletion in {@code dir} durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static MappedByteBuffer map(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size > Integer.MAX_VALUE) {
            throw new IOException(file + " is larger than 2 GiB");
        }
        return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
    }

    /** Whether the file starts with {@code magic}. */
    static boolean startsWith(ByteBuffer file, byte[] magic) {
        if (file.limit() < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (file.get(i) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** Damage that recovery must not paper over: acknowledged changes may be gone. */
    static IOException damaged(Path file, String problem) {
        return new IOException(file + ": " + problem + ". Acknowledged changes may be lost;"
                + " restore the state directory from a backup, or move it away to start from the sites file alone");
    }
}

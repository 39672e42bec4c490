package io.predictor.admin.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The snapshot compaction writes: {@code "PRDSNAP1"}, the revision R it covers, the record
 * count, then the records (journal framing) in revision order. It appears under its name only
 * once complete and durable (temporary file, fsync, atomic rename, directory fsync), so any
 * defect found when reading it is damage, never a crash.
 */
final class SnapshotFile {

    static final String NAME = "snapshot";
    static final String TEMPORARY = "snapshot.tmp";
    private static final byte[] MAGIC = "PRDSNAP1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = MAGIC.length + 8 + 4;

    private SnapshotFile() {
    }

    /** Writes the snapshot of {@code records} (all at or below {@code revision}) into {@code dir}. */
    static void write(Path dir, long revision, List<ChangeRecord> records) throws IOException {
        Path tmp = dir.resolve(TEMPORARY);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            header.put(MAGIC).putLong(revision).putInt(records.size()).flip();
            StoreFiles.writeFully(ch, header);
            ByteBuffer batch = ByteBuffer.allocate(256 * 1024);
            for (ChangeRecord r : records) {
                ByteBuffer frame = JournalFrames.frame(ChangeCodec.encode(r));
                if (batch.remaining() < frame.remaining()) {
                    StoreFiles.writeFully(ch, batch.flip());
                    batch.clear();
                }
                batch.put(frame);
            }
            StoreFiles.writeFully(ch, batch.flip());
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreFiles.fsyncDirectory(dir);
    }

    /** Adds the snapshot's records to {@code out}; returns the revision it covers. */
    static long read(Path file, List<ChangeRecord> out) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer map = StoreFiles.map(ch, file);
            if (map.limit() < HEADER_BYTES || !StoreFiles.startsWith(map, MAGIC)) {
                throw StoreFiles.damaged(file, "not a Predictor snapshot (bad header)");
            }
            long revision = map.getLong(MAGIC.length);
            int count = map.getInt(MAGIC.length + 8);
            JournalFrames.Scan scan = JournalFrames.scan(map, HEADER_BYTES);
            if (scan.stop() != JournalFrames.Stop.END || scan.payloads().size() != count) {
                throw StoreFiles.damaged(file, scan.problem() != null ? scan.problem() + " at offset " + scan.goodEnd()
                        : "holds " + scan.payloads().size() + " records, header says " + count);
            }
            long last = 0;
            for (byte[] p : scan.payloads()) {
                ChangeRecord r = ChangeCodec.decode(p);
                if (r.revision() <= last || r.revision() > revision) {
                    throw StoreFiles.damaged(file, "record revision " + r.revision() + " out of order");
                }
                last = r.revision();
                out.add(r);
            }
            return revision;
        }
    }
}

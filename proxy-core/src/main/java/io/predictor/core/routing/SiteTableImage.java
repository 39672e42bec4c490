package io.predictor.core.routing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A base table as its arrays on disk, to start without parsing the sites file again: a parse of
 * 3,000,000 lines takes ~2 s of one core, reading the arrays back ~0.1 s.
 *
 * <p>An image names what it was made from, and is used only for exactly that: the {@link
 * SitesFileDigest} of the sites file's bytes that the table was built from ({@link
 * SitesFileParser.Result#source()}: the parser digests the very read that fills the table), and
 * the SHA-256 of the classes that parse the file and lay out the table ({@link #CODE}), so that
 * a build that reads a file differently never takes an image of another build. A sites file changed by one byte, an image
 * of another build, a torn or corrupt image (a CRC-32C over all of it): each is a miss, and the
 * caller parses the file. A wrong table would route sites to the wrong datacentre, so nothing
 * short of all of that is trusted.
 *
 * <p>A reload's patched table (the big indexes of the table last read whole, plus a small patch
 * of the file's differences: {@link TablePatcher}) is written as it is, patch and all, and reads
 * back as the same patched table.
 *
 * <p>Layout, little-endian: magic {@code PREDTBL1}, the code digest (32 bytes), the sites file's
 * digest (16), the group names (count, then length and UTF-8 bytes of each), the per-group
 * counts, the wildcard lengths, then the exact and the wildcard set (its size; its index as size,
 * arena length, slot count, arena, slots; 1 and its patch as an index, or 0), and the CRC-32C of
 * everything before it.
 */
public final class SiteTableImage {

    private static final byte[] MAGIC = "PREDTBL1".getBytes(StandardCharsets.US_ASCII);
    private static final int CODE_BYTES = 32;
    private static final int CHUNK = 1 << 16;

    /**
     * The classes whose code decides what table a sites file becomes (parsed whole, or patched by
     * a reload), or how an image lays it out. Each is hashed with every class nested in it
     * ({@link Class#getNestMembers}: a change inside {@code SiteTableImage.Reader} alone leaves
     * {@code SiteTableImage.class} as it was), so that an image made by another build is never
     * read as this one's.
     */
    static final Class<?>[] TABLE_CLASSES = {
        SitesFileParser.class, SiteTable.class, SiteSet.class, SiteState.class, HostIndex.class, HostName.class,
        SiteTableImage.class, SitesFileDigest.class, TablePatcher.class,
    };

    /** The digest of {@link #TABLE_CLASSES}' class files in this build. */
    private static final byte[] CODE = codeDigest();

    private SiteTableImage() {
    }

    /**
     * Writes {@code table} as an image of the sites file whose {@link SitesFileDigest} is {@code source}: to a
     * temporary file beside {@code image}, flushed to disk, then moved over it, so that a crash
     * leaves the old image or the new one, never a torn one under its name. A write that fails
     * removes its temporary file (up to the table's size) and leaves the old image; one a crash
     * left behind is for the program to remove at its next start ({@link #temporaryFile}).
     */
    public static void write(SiteTable table, byte[] source, Path image) throws IOException {
        Path tmp = temporaryFile(image);
        try {
            writeTo(tmp, table, source);
            try {
                Files.move(tmp, image, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, image, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable e) { // an OutOfMemoryError too: the file may be as large as the table
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The temporary file {@link #write} writes {@code image}'s next version to before moving it into place. */
    public static Path temporaryFile(Path image) {
        return image.resolveSibling(image.getFileName() + ".tmp");
    }

    private static void writeTo(Path tmp, SiteTable table, byte[] source) throws IOException {
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Writer w = new Writer(out);
            w.bytes(MAGIC, 0, MAGIC.length);
            w.bytes(CODE, 0, CODE_BYTES);
            w.bytes(source, 0, SitesFileDigest.BYTES);
            w.putInt(table.groupCount());
            for (int g = 0; g < table.groupCount(); g++) {
                byte[] name = table.groupName(g).getBytes(StandardCharsets.UTF_8);
                w.putInt(name.length);
                w.bytes(name, 0, name.length);
            }
            w.putInt(table.countsByGroupAndState.length);
            for (int c : table.countsByGroupAndState) {
                w.putInt(c);
            }
            w.putInt(table.wildcardLengths.length);
            for (long l : table.wildcardLengths) {
                w.putLong(l);
            }
            w.set(table.exact);
            w.set(table.wildcard);
            w.finish();
            out.force(true);
        }
    }

    /** Why an image was not used: an operator's answer to "why did this start parse?". */
    public enum Miss {
        /** There is no image. */
        NO_IMAGE("no_image"),
        /** The image is of another sites file (or of the same one before it changed). */
        OTHER_SITES_FILE("other_sites_file"),
        /** The image was made by a build that reads or lays out the table differently. */
        OTHER_BUILD("other_build"),
        /** The image is torn, cut short or damaged. */
        DAMAGED("damaged");

        private final String wireName;

        Miss(String wireName) {
            this.wireName = wireName;
        }

        /** The name the start's event gives it. */
        public String wireName() {
            return wireName;
        }
    }

    /** The table read from an image, or why there was none to use. */
    public record Lookup(SiteTable table, Miss miss) {
        static Lookup miss(Miss why) {
            return new Lookup(null, why);
        }
    }

    /**
     * The table of {@code image} if it is an image of the sites file whose {@link
     * SitesFileDigest} is {@code source}, made by this build, and intact; else null (also when
     * there is no image).
     *
     * @throws IOException when the image exists but cannot be read
     */
    public static SiteTable read(Path image, byte[] source) throws IOException {
        return lookUp(image, source).table();
    }

    /**
     * {@link #read}, saying why there is no table when there is none.
     *
     * @throws IOException when the image exists but cannot be read
     */
    public static Lookup lookUp(Path image, byte[] source) throws IOException {
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
            if (in.size() < MAGIC.length + 8) {
                return Lookup.miss(Miss.DAMAGED);
            }
            Reader r = new Reader(in, in.size());
            if (!Arrays.equals(r.bytes(MAGIC.length), MAGIC)) {
                return Lookup.miss(Miss.DAMAGED);
            }
            if (!Arrays.equals(r.bytes(CODE_BYTES), CODE)) {
                return Lookup.miss(Miss.OTHER_BUILD);
            }
            if (!Arrays.equals(r.bytes(SitesFileDigest.BYTES), source)) {
                return Lookup.miss(Miss.OTHER_SITES_FILE);
            }
            int groups = r.count(4);
            String[] groupNames = new String[groups];
            for (int g = 0; g < groups; g++) {
                groupNames[g] = new String(r.bytes(r.count(1)), StandardCharsets.UTF_8);
            }
            int[] counts = new int[r.count(4)];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = r.getInt();
            }
            long[] wildcardLengths = new long[r.count(8)];
            for (int i = 0; i < wildcardLengths.length; i++) {
                wildcardLengths[i] = r.getLong();
            }
            SiteSet exact = r.set();
            SiteSet wildcard = r.set();
            if (exact == null || wildcard == null || counts.length != (groups + 1) * 4 || !r.intact()) {
                return Lookup.miss(Miss.DAMAGED);
            }
            return new Lookup(new SiteTable(exact, wildcard, groupNames, counts, wildcardLengths), null);
        } catch (NoSuchFileException e) {
            return Lookup.miss(Miss.NO_IMAGE);
        } catch (Truncated e) {
            return Lookup.miss(Miss.DAMAGED);
        }
    }

    private static byte[] codeDigest() {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        for (String name : classFileNames()) {
            try (InputStream in = SiteTableImage.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException(name + " is not beside SiteTableImage.class in this build");
                }
                digest.update(name.getBytes(StandardCharsets.US_ASCII));
                digest.update(in.readAllBytes());
            } catch (IOException e) {
                throw new IllegalStateException("reading " + name + " from this build", e);
            }
        }
        return digest.digest();
    }

    /**
     * The class files {@link #TABLE_CLASSES} and the classes nested in them are made of, relative
     * to this package ({@code SiteTableImage$Reader.class}), in name order.
     */
    static java.util.List<String> classFileNames() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (Class<?> top : TABLE_CLASSES) {
            for (Class<?> member : top.getNestMembers()) {
                String binary = member.getName();
                names.add(binary.substring(binary.lastIndexOf('.') + 1) + ".class");
            }
        }
        return java.util.List.copyOf(names);
    }

    /** Writes through one 64 KiB buffer, keeping the CRC of what it wrote. */
    private static final class Writer {
        private final FileChannel out;
        private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();

        Writer(FileChannel out) {
            this.out = out;
        }

        void putInt(int v) throws IOException {
            room(4);
            buf.putInt(v);
        }

        void putLong(long v) throws IOException {
            room(8);
            buf.putLong(v);
        }

        void bytes(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                room(1);
                int n = Math.min(len, buf.remaining());
                buf.put(b, off, n);
                off += n;
                len -= n;
            }
        }

        void set(SiteSet set) throws IOException {
            putInt(set.size());
            index(set.index);
            putInt(set.patch == null ? 0 : 1);
            if (set.patch != null) {
                index(set.patch);
            }
        }

        void index(HostIndex index) throws IOException {
            byte[] arena = index.arena();
            long[] slots = index.slots();
            putInt(index.size());
            putInt(arena.length);
            putInt(slots.length);
            bytes(arena, 0, arena.length);
            for (int i = 0; i < slots.length; ) {
                room(8);
                int n = Math.min(slots.length - i, buf.remaining() / 8);
                buf.asLongBuffer().put(slots, i, n);
                buf.position(buf.position() + n * 8);
                i += n;
            }
        }

        void finish() throws IOException {
            drain();
            buf.putLong(crc.getValue());
            buf.flip();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        }

        private void room(int bytes) throws IOException {
            if (buf.remaining() < bytes) {
                drain();
            }
        }

        private void drain() throws IOException {
            buf.flip();
            crc.update(buf.duplicate());
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            buf.clear();
        }
    }

    /** The image ended before what it says it holds. */
    private static final class Truncated extends Exception {
        Truncated() {
            super(null, null, false, false);
        }
    }

    /** Reads through one 64 KiB buffer, keeping the CRC of what it read. */
    private static final class Reader {
        private final FileChannel in;
        private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        /** Bytes of the image not yet read into the buffer, the CRC's 8 left out. */
        private long left;

        Reader(FileChannel in, long size) {
            this.in = in;
            this.left = size - 8;
            buf.limit(0);
        }

        int getInt() throws IOException, Truncated {
            need(4);
            return buf.getInt();
        }

        long getLong() throws IOException, Truncated {
            need(8);
            return buf.getLong();
        }

        /** A count of items of {@code itemBytes} each, no more than the image has bytes left for. */
        int count(int itemBytes) throws IOException, Truncated {
            int n = getInt();
            if (n < 0 || (long) n * itemBytes > left + buf.remaining()) {
                throw new Truncated();
            }
            return n;
        }

        byte[] bytes(int len) throws IOException, Truncated {
            byte[] b = new byte[len];
            for (int off = 0; off < len; ) {
                need(1);
                int n = Math.min(len - off, buf.remaining());
                buf.get(b, off, n);
                off += n;
            }
            return b;
        }

        /** A set as {@link Writer#set} wrote it; null when its parts cannot be one. */
        SiteSet set() throws IOException, Truncated {
            int size = getInt();
            HostIndex index = index();
            int patched = getInt();
            HostIndex patch = patched == 1 ? index() : null;
            if (index == null || size < 0 || (patched != 0 && (patched != 1 || patch == null))) {
                return null;
            }
            return new SiteSet(index, patch, size);
        }

        HostIndex index() throws IOException, Truncated {
            int size = getInt();
            int arenaLength = count(1);
            int slotCount = count(8);
            if ((long) arenaLength + 8L * slotCount > left + buf.remaining()) {
                throw new Truncated();
            }
            byte[] arena = bytes(arenaLength);
            long[] slots = new long[slotCount];
            for (int i = 0; i < slots.length; ) {
                need(8);
                int n = Math.min(slots.length - i, buf.remaining() / 8);
                buf.asLongBuffer().get(slots, i, n);
                buf.position(buf.position() + n * 8);
                i += n;
            }
            return HostIndex.of(arena, slots, size);
        }

        /** Whether everything was read and the CRC at the end is that of what was. */
        boolean intact() throws IOException {
            if (left != 0 || buf.hasRemaining()) {
                return false;
            }
            ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (tail.hasRemaining() && in.read(tail) >= 0) {
                // an 8-byte read takes one call
            }
            return !tail.hasRemaining() && tail.getLong(0) == crc.getValue();
        }

        private void need(int bytes) throws IOException, Truncated {
            if (buf.remaining() >= bytes) {
                return;
            }
            buf.compact();
            while (buf.position() < bytes || (buf.hasRemaining() && left > 0)) {
                int room = (int) Math.min(buf.remaining(), left);
                if (room == 0) {
                    break;
                }
                ByteBuffer slice = buf.slice().limit(room);
                int r = in.read(slice);
                if (r < 0) {
                    break;
                }
                crc.update(buf.duplicate().position(buf.position()).limit(buf.position() + r));
                buf.position(buf.position() + r);
                left -= r;
            }
            buf.flip();
            if (buf.remaining() < bytes) {
                throw new Truncated();
            }
        }
    }
}

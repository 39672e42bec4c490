package io.predictor.core.routing;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Loads a sites file (SPEC §4) into a {@link SiteTable}: {@code host state [group]} a line,
 * {@code #} comments, blank lines ignored. Every bad line is reported with its number; a file
 * with any error yields no table, so it can never replace the one in service.
 *
 * <p>Two passes over the bytes: the first counts names and their bytes so that the table's
 * arrays are allocated once at their final size (three million lines, no growing copies).
 *
 * <p>A reload ({@link #reload}) reads the file once against the table in service and, when few
 * entries differ, makes the next table from that one plus a patch of the differences
 * ({@link TablePatcher}), so that it needs no room for a second full table; when many differ
 * it reads the file whole, as above.
 */
public final class SitesFileParser {

    /** At most this many errors are listed; the total is always counted. */
    public static final int MAX_LISTED_ERRORS = 100;
    private static final int MAX_GROUP_LENGTH = 128;

    /** One bad line: {@code FILE:LINE: message}. */
    public record Problem(String file, int line, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + message;
        }
    }

    /**
     * A table, or the problems that kept the file from becoming one.
     *
     * @param differences against the table in service when a reload patched it; null when the
     *                    file was read whole
     * @param source      the {@link SitesFileDigest} of the bytes the table was built from, read
     *                    whole or patched (what its {@link SiteTableImage} is named by); null
     *                    for a refusal
     */
    public record Result(SiteTable table, List<Problem> problems, int problemCount, Differences differences,
            byte[] source) {
        public Result(SiteTable table, List<Problem> problems, int problemCount) {
            this(table, problems, problemCount, null, null);
        }

        public Result(SiteTable table, List<Problem> problems, int problemCount, Differences differences) {
            this(table, problems, problemCount, differences, null);
        }

        public boolean ok() {
            return table != null;
        }
    }

    /** What a reload changed in the base table: sites added, changed (state or group), removed. */
    public record Differences(int added, int changed, int removed) {
    }

    /** Where the loader puts each valid line: a new table, or the differences from the one in service. */
    interface Sink {
        /** Interns a group name and returns its id; null means no group. */
        int group(String name);

        /** Adds a site (a wildcard as its suffix); false when the name was already added. */
        boolean add(boolean isWildcard, byte[] name, int off, int len, SiteState state, int groupId);
    }

    /**
     * Most patch entries a reload keeps before it reads the file whole instead: one site in 32
     * of the table in service, at least 1,024 — 93,750 for 3,000,000 sites, ~4.5 MB of patch at
     * ~45 bytes an entry, where a second full table would take ~108 MB. The patch is counted
     * against the table last read whole (a patched table's patches do not stack, they are
     * remade), and the old and the new patch live side by side during a reload: in
     * {@code bin/predictor}'s 256 MB, whose old generation holds ~114 MB with 3,000,000 sites,
     * 1/16 was measured to fill the old generation, 1/32 leaves it room.
     */
    public static int patchLimit(SiteTable inService) {
        return Math.max(1024, inService.size() / 32);
    }

    private SitesFileParser() {
    }

    public static Result parse(Path file) throws IOException {
        return parse(file, false);
    }

    /** Whole reads of a file that changes while it is read, before giving up. */
    static final int READS_OF_A_CHANGING_FILE = 3;

    private static Result parse(Path file, boolean paced) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return parseOnce(file, paced);
            } catch (HostIndex.CapacityExceeded grew) {
                // the file grew between the pass that counted it and the one that loads it (a
                // copy still being written): read it again rather than fail with a bare
                // IllegalStateException (found by review)
                if (attempt == READS_OF_A_CHANGING_FILE) {
                    throw new IOException(file + ": the file kept growing while it was read (" + attempt
                            + " times); write it elsewhere and rename it into place, then reload", grew);
                }
            }
        }
    }

    private static Result parseOnce(Path file, boolean paced) throws IOException {
        Counts counts = new Counts();
        scan(file, counts, paced, null);
        counts.check(file);
        SitesFileDigest digest = new SitesFileDigest();
        Result appended = load(file, counts, true, paced, digest);
        // a bad line or a duplicate (the appending builder finds those only at the end, without
        // their lines): read again, looking for each name as it comes, so that every problem is
        // listed in line order with its number; the first builder is garbage by now
        return appended != null ? appended : load(file, counts, false, paced, digest);
    }

    /**
     * The second pass: the table, or the file's problems; null from an {@link
     * SiteTable.Builder#appending} builder when the file has any problem.
     */
    private static Result load(Path file, Counts counts, boolean appending, boolean paced, SitesFileDigest digest)
            throws IOException {
        SiteTable.Builder builder = appending
                ? SiteTable.Builder.appending(counts.exact, (int) counts.exactBytes, counts.wild, (int) counts.wildBytes)
                : new SiteTable.Builder(counts.exact, (int) counts.exactBytes, counts.wild, (int) counts.wildBytes);
        Loader loader = new Loader(file.toString(), builder);
        // the digest of the read the table is built from: the file may change between two reads
        digest.reset();
        scan(file, new Tokenizer(loader), paced, digest);
        if (loader.problemCount > 0) {
            return appending ? null : loader.refusal();
        }
        SiteTable table = builder.build();
        return table == null ? null : new Result(table, List.of(), 0, null, digest.value());
    }

    /**
     * Reads the file again to replace {@code inService}: as the table in service plus a patch
     * of the differences when at most {@link #patchLimit} entries differ, else whole
     * ({@link #parse}, which needs the heap for a second table: an {@link OutOfMemoryError}
     * then reaches the caller, and the table in service is untouched).
     */
    public static Result reload(Path file, SiteTable inService) throws IOException {
        return reload(file, inService, true);
    }

    /**
     * {@link #reload(Path, SiteTable)}, paced or not: unpaced for a thread the OS already runs at
     * background priority, which takes idle CPU only and needs no pauses of its own.
     */
    public static Result reload(Path file, SiteTable inService, boolean paced) throws IOException {
        return reload(file, inService, patchLimit(inService), paced);
    }

    static Result reload(Path file, SiteTable inService, int limit) throws IOException {
        return reload(file, inService, limit, true);
    }

    private static Result reload(Path file, SiteTable inService, int limit, boolean paced) throws IOException {
        Result patched = patch(file, inService, limit, paced);
        // the patcher's frame is gone: its partial patch is garbage before a whole table is built
        return patched != null ? patched : parse(file, paced);
    }

    /** The table in service patched with the file's differences, the file's problems, or null: too many differences. */
    private static Result patch(Path file, SiteTable inService, int limit, boolean paced) throws IOException {
        TablePatcher patcher = new TablePatcher(inService, limit);
        Loader loader = new Loader(file.toString(), patcher);
        SitesFileDigest digest = new SitesFileDigest();
        try {
            scan(file, new Tokenizer(loader), paced, digest);
            if (loader.problemCount > 0) {
                return loader.refusal();
            }
            return new Result(patcher.finish(), List.of(), 0, patcher.differences(), digest.value());
        } catch (TablePatcher.TooManyDifferences e) {
            return null;
        }
    }

    /** Receives each non-blank line as token bounds into {@code b}; -1 bounds for a missing token. */
    private interface LineSink {
        void line(int lineNo, byte[] b, int hostStart, int hostEnd, int stateStart, int stateEnd,
                int groupStart, int groupEnd, boolean extraTokens);
    }

    /** The index of the first '\n' in {@code b[from, len)}, or -1. */
    private static int newline(byte[] b, int from, int len) {
        int i = from;
        for (; i <= len - 8; i += 8) {
            long x = (long) LONGS.get(b, i) ^ 0x0a0a0a0a0a0a0a0aL;
            long zero = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < len; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Takes the lines of the file a chunk at a time. */
    private interface Chunks {
        /**
         * Handles the lines of {@code b[0, len)} that end in it ({@code '\n'}), and at the end of
         * the file the last one without its {@code '\n'}; returns where the first line left
         * unfinished starts.
         */
        int lines(byte[] b, int len, boolean eof);
    }

    /**
     * Splits chunks into lines and tokens for a {@link LineSink}, in one pass over the bytes: a
     * token ends at a blank, {@code #} or the line's end; after {@code #} the line is skipped
     * eight bytes at a time.
     */
    private static final class Tokenizer implements Chunks {
        private final LineSink sink;
        private final int[] bounds = new int[6];
        private int lineNo;

        Tokenizer(LineSink sink) {
            this.sink = sink;
        }

        @Override
        public int lines(byte[] b, int len, boolean eof) {
            int[] bounds = this.bounds;
            int lineStart = 0;
            while (lineStart < len) {
                int i = lineStart;
                int tokens = 0;
                while (i < len) {
                    byte c = b[i];
                    if (c == '\n') {
                        break;
                    }
                    if (c == '#') {
                        int nl = newline(b, i, len);
                        i = nl < 0 ? len : nl;
                        break;
                    }
                    if (c == ' ' || c == '\t' || c == '\r') {
                        i++;
                        continue;
                    }
                    int start = i;
                    while (i < len && (c = b[i]) != ' ' && c != '\t' && c != '\r' && c != '#' && c != '\n') {
                        i++;
                    }
                    if (tokens < 3) {
                        bounds[tokens * 2] = start;
                        bounds[tokens * 2 + 1] = i;
                    }
                    tokens++;
                }
                if (i == len && !eof) {
                    return lineStart; // unfinished: read again with the next chunk
                }
                lineNo++;
                if (tokens > 0) {
                    sink.line(lineNo, b, bounds[0], bounds[1],
                            tokens > 1 ? bounds[2] : -1, tokens > 1 ? bounds[3] : -1,
                            tokens > 2 ? bounds[4] : -1, tokens > 2 ? bounds[5] : -1, tokens > 3);
                }
                lineStart = Math.min(i + 1, len);
            }
            return lineStart;
        }
    }

    /**
     * Reads the file in chunks of 64 KiB and hands them to {@code chunks}. Paced (a reload):
     * after each chunk it pauses as long as the chunk took, so that on a core it shares with an
     * event loop it holds the CPU ~1–2 ms at a time and takes at most half of it — a reload
     * takes twice as long, requests wait less behind it. Unpaced (start-up, or a reload on a
     * thread at background priority): full speed. {@code digest}, if not null, is updated with
     * every byte read.
     */
    private static void scan(Path file, Chunks chunks, boolean paced, SitesFileDigest digest) throws IOException {
        long chunkStart = System.nanoTime();
        byte[] buf = new byte[1 << 16];
        int len = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                int r = in.read(buf, len, buf.length - len);
                boolean eof = r < 0;
                if (!eof) {
                    if (digest != null) {
                        digest.update(buf, len, r);
                    }
                    len += r;
                }
                int lineStart = chunks.lines(buf, len, eof);
                if (eof) {
                    return;
                }
                if (paced) {
                    LockSupport.parkNanos(System.nanoTime() - chunkStart);
                    chunkStart = System.nanoTime();
                }
                // keep the unfinished line; grow only for a line longer than the buffer
                System.arraycopy(buf, lineStart, buf, 0, len - lineStart);
                len -= lineStart;
                if (len == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
            }
        }
    }

    /**
     * Names and name bytes (each kind) a table is built for at most: far above the 3,000,000-site
     * design point, and below the int sizes of the table's arrays.
     */
    static final long MAX_NAMES = 100_000_000;
    static final long MAX_NAME_BYTES = 1L << 30;

    /**
     * The first pass: names and their bytes, from each line's first token alone (the host, as
     * {@link Tokenizer} finds it); the rest of a line is skipped eight bytes at a time.
     */
    private static final class Counts implements Chunks {
        int exact;
        long exactBytes;
        int wild;
        long wildBytes;

        /** Refuses a file larger than a table can be (before, its sizes overflowed an int). */
        void check(Path file) throws IOException {
            if ((long) exact + wild > MAX_NAMES || exactBytes > MAX_NAME_BYTES || wildBytes > MAX_NAME_BYTES) {
                throw new IOException(file + ": " + ((long) exact + wild) + " names, " + (exactBytes + wildBytes)
                        + " bytes of names: more than a table takes (" + MAX_NAMES + " names, " + MAX_NAME_BYTES
                        + " bytes of each kind)");
            }
        }

        @Override
        public int lines(byte[] b, int len, boolean eof) {
            int lineStart = 0;
            while (lineStart < len) {
                int i = lineStart;
                byte c = 0;
                while (i < len && ((c = b[i]) == ' ' || c == '\t' || c == '\r')) {
                    i++;
                }
                int hs = i;
                if (i < len && c != '#' && c != '\n') {
                    while (i < len && (c = b[i]) != ' ' && c != '\t' && c != '\r' && c != '#' && c != '\n') {
                        i++;
                    }
                }
                int he = i;
                int nl = newline(b, i, len);
                if (nl < 0 && !eof) {
                    return lineStart; // unfinished: read again with the next chunk
                }
                if (he > hs) {
                    add(b, hs, he);
                }
                lineStart = nl < 0 ? len : nl + 1;
            }
            return lineStart;
        }

        private void add(byte[] b, int hs, int he) {
            int len = he - hs;
            if (len >= 2 && b[hs] == '*' && b[hs + 1] == '.') {
                wild++;
                wildBytes += len - 2;
            } else {
                exact++;
                exactBytes += len;
            }
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final SiteState[] STATES = SiteState.values();
    private static final byte[][] STATE_NAMES = new byte[STATES.length][];

    static {
        for (int k = 0; k < STATES.length; k++) {
            STATE_NAMES[k] = STATES[k].wireName().getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * Group name bytes to group id, without making a String per line: a few thousand groups
     * over millions of lines. Open addressing over the bytes, grown at load 1/2.
     */
    private static final class GroupIds {
        private byte[][] names = new byte[64][];
        private int[] ids = new int[64];
        private int size;

        int find(byte[] b, int s, int e) {
            int mask = names.length - 1;
            for (int slot = HostName.hash(b, s, e - s) & mask; names[slot] != null; slot = (slot + 1) & mask) {
                byte[] n = names[slot];
                if (Arrays.equals(n, 0, n.length, b, s, e)) {
                    return ids[slot];
                }
            }
            return -1;
        }

        void add(byte[] b, int s, int e, int id) {
            if (2 * (size + 1) > names.length) {
                byte[][] oldNames = names;
                int[] oldIds = ids;
                names = new byte[oldNames.length * 2][];
                ids = new int[oldNames.length * 2];
                size = 0;
                for (int i = 0; i < oldNames.length; i++) {
                    if (oldNames[i] != null) {
                        put(oldNames[i], oldIds[i]);
                    }
                }
            }
            put(Arrays.copyOfRange(b, s, e), id);
        }

        private void put(byte[] name, int id) {
            int mask = names.length - 1;
            int slot = HostName.hash(name, 0, name.length) & mask;
            while (names[slot] != null) {
                slot = (slot + 1) & mask;
            }
            names[slot] = name;
            ids[slot] = id;
            size++;
        }
    }

    private static final class Loader implements LineSink {
        private final String file;
        private final Sink builder;
        private final List<Problem> problems = new ArrayList<>();
        private final GroupIds groupIds = new GroupIds();
        private final byte[] name = new byte[HostName.MAX_LENGTH + 2];
        int problemCount;

        Loader(String file, Sink builder) {
            this.file = file;
            this.builder = builder;
        }

        @Override
        public void line(int lineNo, byte[] b, int hs, int he, int ss, int se, int gs, int ge, boolean extra) {
            String host = ss < 0 || extra ? new String(b, hs, he - hs, StandardCharsets.UTF_8) : null;
            if (ss < 0) {
                problem(lineNo, "site '" + host + "' has no state; expected: HOST STATE [GROUP]"
                        + " with STATE one of legacy, migrated, maintenance, hold");
                return;
            }
            if (extra) {
                problem(lineNo, "too many fields; expected: HOST STATE [GROUP] (use # for comments)");
                return;
            }
            SiteState state = stateAt(b, ss, se);
            if (state == null) {
                String stateName = new String(b, ss, se - ss, StandardCharsets.UTF_8);
                host = new String(b, hs, he - hs, StandardCharsets.UTF_8);
                problem(lineNo, "unknown state '" + stateName + "' for " + host
                        + "; expected one of legacy, migrated, maintenance, hold");
                return;
            }
            boolean wildcard = he - hs >= 2 && b[hs] == '*' && b[hs + 1] == '.';
            int nameStart = wildcard ? hs + 2 : hs;
            int len = hostBytes(b, nameStart, he);
            if (len < 0) {
                host = new String(b, hs, he - hs, StandardCharsets.UTF_8);
                problem(lineNo, "invalid host '" + host + "'; expected a DNS name (IDN in punycode, xn--…),"
                        + " optionally starting with '*.', without port");
                return;
            }
            int group = SiteSet.NO_GROUP;
            if (gs >= 0) {
                if (ge - gs > MAX_GROUP_LENGTH) {
                    problem(lineNo, "group name longer than " + MAX_GROUP_LENGTH + " characters");
                    return;
                }
                group = groupIds.find(b, gs, ge);
                if (group < 0) {
                    group = builder.group(new String(b, gs, ge - gs, StandardCharsets.UTF_8));
                    groupIds.add(b, gs, ge, group);
                }
            }
            if (!builder.add(wildcard, name, 0, len, state, group)) {
                host = new String(b, hs, he - hs, StandardCharsets.UTF_8);
                problem(lineNo, "duplicate site '" + host + "'; each host may appear once");
            }
        }

        /** Parses a state name without allocating (3,000,000 lines); ASCII case is ignored. */
        private static SiteState stateAt(byte[] b, int s, int e) {
            for (int k = 0; k < STATES.length; k++) {
                byte[] w = STATE_NAMES[k];
                if (w.length == e - s) {
                    int i = 0;
                    while (i < w.length && (b[s + i] | 0x20) == w[i]) {
                        i++;
                    }
                    if (i == w.length) {
                        return STATES[k];
                    }
                }
            }
            return null;
        }

        private int hostBytes(byte[] b, int start, int end) {
            for (int i = start; i < end; i++) {
                if (b[i] == ':' || b[i] == '[' || b[i] == '*') {
                    return -1;
                }
            }
            if (end > start && b[end - 1] == '.' && end - start > 1 && b[end - 2] == '.') {
                return -1;
            }
            return HostName.normalize(b, start, end - start, name);
        }

        Result refusal() {
            return new Result(null, List.copyOf(problems), problemCount);
        }

        private void problem(int lineNo, String message) {
            problemCount++;
            if (problems.size() < MAX_LISTED_ERRORS) {
                problems.add(new Problem(file, lineNo, message));
            }
        }
    }
}

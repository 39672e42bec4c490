package io.predictor.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A synthetic sites file of any size (SPEC §4), the same for every run: realistic host names
 * ({@code www.bright-harbour17.de}, {@code shop.quiet-meadow.co.uk}, …, 14–30 bytes), about
 * 10,000 groups ({@code filer-00000}…), one wildcard line in a thousand, and states mostly
 * {@code legacy} with a quarter {@code migrated} — what a shared-hosting fleet in the middle of
 * its migration looks like. Line {@code i} is a pure function of {@code i}, so benchmarks can
 * ask for the host of any line ({@link #host}) without keeping the file in memory.
 *
 * <p>Group {@code filer-00000} holds every 300th site (10,000 sites of a 3,000,000-line file:
 * the group of the "10,000-site group flip"); the others hold about 300 each.
 *
 * <p>{@code java -cp benchmarks.jar io.predictor.bench.SitesFileGenerator FILE [LINES]}
 */
public final class SitesFileGenerator {

    public static final int DEFAULT_LINES = 3_000_000;
    public static final int GROUPS = 10_000;
    /** One line in this many is a wildcard ({@code *.suffix}). */
    public static final int WILDCARD_EVERY = 1_000;
    /** Every this-many-th line belongs to the big group {@link #BIG_GROUP}. */
    public static final int BIG_GROUP_EVERY = 300;
    public static final String BIG_GROUP = "filer-00000";

    private static final String[] FIRST = {
        "amber", "ancient", "autumn", "azure", "bitter", "black", "blue", "bold", "brave", "bright",
        "broad", "calm", "clear", "clever", "cold", "cool", "crimson", "crisp", "dark", "dawn",
        "deep", "eager", "early", "east", "easy", "fair", "fancy", "fast", "fine", "first",
        "fresh", "gentle", "giant", "golden", "grand", "green", "grey", "happy", "hidden", "high",
        "holy", "honest", "hot", "humble", "iron", "ivory", "jolly", "kind", "late", "lazy",
        "light", "little", "lively", "lone", "long", "lost", "loud", "lucky", "magic", "mellow",
        "merry", "mighty", "misty", "modern", "noble", "north", "odd", "old", "open", "pale",
        "patient", "plain", "polished", "proud", "pure", "quick", "quiet", "rapid", "rare", "red",
        "rich", "rough", "royal", "rustic", "sacred", "safe", "sharp", "shy", "silent", "silver",
        "simple", "sleepy", "slow", "small", "smart", "smooth", "soft", "solid", "south", "spare",
        "spring", "steady", "still", "stone", "strong", "summer", "sunny", "super", "sweet", "swift",
        "tall", "tender", "tiny", "true", "urban", "vast", "velvet", "vivid", "warm", "west",
        "white", "wild", "windy", "winter", "wise", "wooden", "young", "zesty",
    };
    private static final String[] SECOND = {
        "acre", "anchor", "apple", "arch", "atlas", "bakery", "barn", "bay", "beach", "bear",
        "bee", "bell", "birch", "bird", "bloom", "boat", "bridge", "brook", "cabin", "canyon",
        "castle", "cedar", "cellar", "cliff", "cloud", "coast", "cottage", "creek", "crown", "dale",
        "delta", "desert", "dove", "dune", "eagle", "echo", "elm", "falcon", "farm", "fern",
        "field", "fire", "fjord", "flame", "forest", "forge", "fox", "garden", "gate", "glade",
        "glen", "grove", "harbour", "hawk", "heath", "hill", "hollow", "horizon", "island", "ivy",
        "lake", "lane", "leaf", "lodge", "maple", "marsh", "meadow", "mill", "moon", "moss",
        "mountain", "oak", "ocean", "orchard", "owl", "palm", "path", "peak", "pine", "pond",
        "prairie", "quarry", "rain", "raven", "reef", "ridge", "river", "rock", "rose", "sage",
        "sand", "shore", "sky", "spruce", "star", "storm", "stream", "studio", "summit", "sun",
        "swan", "thistle", "thunder", "tide", "timber", "tower", "trail", "tree", "valley", "vine",
        "violet", "wave", "willow", "wind", "wolf", "wood", "works", "yard", "yew", "zephyr",
        "books", "cafe", "design", "photo", "travel", "media", "shop", "tech",
    };
    private static final String[] TLDS = {
        "com", "com", "com", "com", "de", "de", "net", "org", "fr", "nl", "co.uk", "eu", "it", "es",
        "ch", "at", "be", "info", "pl", "se",
    };
    private static final String[] PREFIXES = {
        "www.", "www.", "www.", "www.", "www.", "www.", "www.", "www.", "www.", "www.", "www.",
        "", "", "", "", "", "shop.", "blog.", "m.", "mail.",
    };

    private static final String[] GROUP_NAMES = new String[GROUPS];

    static {
        for (int g = 0; g < GROUPS; g++) {
            GROUP_NAMES[g] = String.format("filer-%05d", g);
        }
    }

    private SitesFileGenerator() {
    }

    /** The host of line {@code i} as written in the file (a wildcard line starts with {@code *.}). */
    public static String host(int i) {
        if (isWildcard(i)) {
            return "*." + domain(i);
        }
        return PREFIXES[mix(i, 1) % PREFIXES.length] + domain(i);
    }

    /** Whether line {@code i} is a wildcard. */
    public static boolean isWildcard(int i) {
        return i % WILDCARD_EVERY == WILDCARD_EVERY / 2;
    }

    /** A name that the wildcard of line {@code i} (see {@link #isWildcard}) matches and no exact entry does. */
    public static String underWildcard(int i, int n) {
        return "user" + n + "." + domain(i);
    }

    /** The state of line {@code i}: 70 % legacy, 27 % migrated, 2 % maintenance, 1 % hold. */
    public static String state(int i) {
        int p = mix(i, 2) % 100;
        return p < 70 ? "legacy" : p < 97 ? "migrated" : p < 99 ? "maintenance" : "hold";
    }

    /** The group of line {@code i}. */
    public static String group(int i) {
        return GROUP_NAMES[i % BIG_GROUP_EVERY == 0 ? 0 : 1 + mix(i, 3) % (GROUPS - 1)];
    }

    /** {@code FIRST-SECOND[N].TLD}: unique per line (the words hold no digit or hyphen). */
    private static String domain(int i) {
        int a = i % FIRST.length;
        int rest = i / FIRST.length;
        int b = rest % SECOND.length;
        int n = rest / SECOND.length;
        StringBuilder sb = new StringBuilder(32).append(FIRST[a]).append('-').append(SECOND[b]);
        if (n > 0) {
            sb.append(n);
        }
        return sb.append('.').append(TLDS[mix(i, 4) % TLDS.length]).toString();
    }

    private static int mix(int i, int salt) {
        int h = i * 0x9E3779B9 + salt * 0x85EBCA6B;
        h ^= h >>> 15;
        h *= 0x2C1B3C6D;
        h ^= h >>> 12;
        return h & 0x7fffffff;
    }

    /** Writes {@code lines} sites to {@code file}. */
    public static void write(Path file, int lines) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        // a temporary name of its own: two processes writing the same cached file at once must not interleave
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            out.write(("# synthetic sites file: " + lines + " lines (io.predictor.bench.SitesFileGenerator)\n")
                    .getBytes(StandardCharsets.US_ASCII));
            StringBuilder sb = new StringBuilder(96);
            for (int i = 0; i < lines; i++) {
                sb.setLength(0);
                sb.append(host(i)).append(' ').append(state(i)).append(' ').append(group(i)).append('\n');
                for (int k = 0; k < sb.length(); k++) {
                    out.write(sb.charAt(k));
                }
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A generated file under {@code java.io.tmpdir}, written once and reused by later runs
     * (three million lines take a few seconds to write).
     */
    public static Path cached(int lines) throws IOException {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "predictor-bench", "sites-" + lines + ".txt");
        if (!Files.exists(file)) {
            write(file, lines);
        }
        return file;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: SitesFileGenerator FILE [LINES]   (default " + DEFAULT_LINES + " lines)");
            System.exit(2);
        }
        int lines = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_LINES;
        long t0 = System.nanoTime();
        write(Path.of(args[0]), lines);
        System.out.printf("wrote %,d sites to %s in %d ms%n", lines, args[0], (System.nanoTime() - t0) / 1_000_000);
    }
}

package io.predictor.admin.config;

import java.util.Locale;

/**
 * Byte sizes as written in the config file: a number of bytes ({@code 512}, {@code 512B}) or a
 * 1024-based unit ({@code 8KiB}, {@code 1MiB}, {@code 1GiB}). 1000-based units (KB, MB) are refused
 * rather than guessed at: "16KB" means 16,000 to some readers and 16,384 to others.
 */
public final class Sizes {
    public static final long KIB = 1024;
    public static final long MIB = 1024 * KIB;
    public static final long GIB = 1024 * MIB;

    private static final String EXPECTED = "; expected a number of bytes, optionally with KiB, MiB or GiB,"
            + " e.g. 512, 8KiB, 1MiB";
    /** Any 18-digit number fits in a long; the unit's multiplication is checked. */
    private static final int MAX_DIGITS = 18;

    private Sizes() {
    }

    /**
     * Parses a size in bytes.
     *
     * @throws IllegalArgumentException with a message that quotes the text and says what is valid
     */
    public static long parse(String text) {
        int i = 0;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        if (i == 0) {
            throw invalid(text, "");
        }
        if (i > MAX_DIGITS) {
            throw invalid(text, " (too large)");
        }
        long n = Long.parseLong(text, 0, i, 10);
        String unit = text.substring(i);
        long multiplier = multiplier(text, unit);
        try {
            return Math.multiplyExact(n, multiplier);
        } catch (ArithmeticException e) {
            throw invalid(text, " (too large)");
        }
    }

    /** The shortest text {@link #parse} reads back as {@code bytes}: the largest unit that divides it. */
    public static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
        if (bytes == 0) {
            return "0";
        }
        if (bytes % GIB == 0) {
            return bytes / GIB + "GiB";
        }
        if (bytes % MIB == 0) {
            return bytes / MIB + "MiB";
        }
        if (bytes % KIB == 0) {
            return bytes / KIB + "KiB";
        }
        return Long.toString(bytes);
    }

    private static long multiplier(String text, String unit) {
        long m = switch (unit) {
            case "", "B" -> 1;
            case "KiB" -> KIB;
            case "MiB" -> MIB;
            case "GiB" -> GIB;
            default -> 0;
        };
        if (m > 0) {
            return m;
        }
        String u = unit.toUpperCase(Locale.ROOT);
        String binary = switch (u) {
            case "K", "KB", "KIB" -> "KiB";
            case "M", "MB", "MIB" -> "MiB";
            case "G", "GB", "GIB" -> "GiB";
            default -> null;
        };
        if (binary == null) {
            throw invalid(text, "");
        }
        if (u.endsWith("IB")) {
            throw new IllegalArgumentException("'" + text + "' is not a size: units are case-sensitive; write "
                    + binary + ", e.g. 8KiB, 1MiB");
        }
        throw new IllegalArgumentException("'" + text + "' is not a size: " + unit
                + " is not accepted because it is ambiguous (1000 or 1024 bytes?); write " + binary
                + " for multiples of 1024, e.g. 8KiB, 1MiB");
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("'" + text + "' is not a size" + why + EXPECTED);
    }
}

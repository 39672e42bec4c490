package io.predictor.admin.config;

import java.time.Duration;

/**
 * Durations as written in the config file and in admin API parameters: {@code 250ms}, {@code 5s},
 * {@code 2m}, {@code 1h}, or several of them from the largest unit down ({@code 1m30s}).
 */
public final class Durations {
    private static final String[] UNITS = {"h", "m", "s", "ms"};
    private static final String EXPECTED = "; expected a number with ms, s, m or h, e.g. 250ms, 5s, 2m";
    /** Enough for any sensible timeout, and small enough that no sum can overflow a Duration. */
    private static final int MAX_DIGITS = 9;

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a message that quotes the text and says what is valid
     */
    public static Duration parse(String text) {
        int i = 0;
        int lastUnit = -1;
        Duration total = Duration.ZERO;
        if (text.isEmpty()) {
            throw invalid(text, "");
        }
        while (i < text.length()) {
            int start = i;
            while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                i++;
            }
            if (i == start) {
                throw invalid(text, "");
            }
            if (i - start > MAX_DIGITS) {
                throw invalid(text, " (too large)");
            }
            long n = Long.parseLong(text, start, i, 10);
            if (i == text.length()) {
                throw invalid(text, " (a unit is required)");
            }
            int unit = unitAt(text, i);
            if (unit < 0) {
                throw invalid(text, "");
            }
            if (unit <= lastUnit) {
                throw invalid(text, " (combine units from the largest down, each once, e.g. 1m30s)");
            }
            lastUnit = unit;
            i += UNITS[unit].length();
            total = total.plus(of(n, unit));
        }
        return total;
    }

    /** The shortest text {@link #parse} reads back as {@code d}; precision is one millisecond. */
    public static String format(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative duration " + d);
        }
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long[] sizes = {3_600_000, 60_000, 1000, 1};
        for (int u = 0; u < UNITS.length; u++) {
            long n = ms / sizes[u];
            ms %= sizes[u];
            if (n > 0) {
                sb.append(n).append(UNITS[u]);
            }
        }
        return sb.toString();
    }

    private static int unitAt(String text, int i) {
        if (text.startsWith("ms", i)) {
            return i + 2 == text.length() || isDigit(text.charAt(i + 2)) ? 3 : -1;
        }
        int unit = switch (text.charAt(i)) {
            case 'h' -> 0;
            case 'm' -> 1;
            case 's' -> 2;
            default -> -1;
        };
        if (unit < 0) {
            return -1;
        }
        return i + 1 == text.length() || isDigit(text.charAt(i + 1)) ? unit : -1;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static Duration of(long n, int unit) {
        return switch (unit) {
            case 0 -> Duration.ofHours(n);
            case 1 -> Duration.ofMinutes(n);
            case 2 -> Duration.ofSeconds(n);
            default -> Duration.ofMillis(n);
        };
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("'" + text + "' is not a duration" + why + EXPECTED);
    }
}

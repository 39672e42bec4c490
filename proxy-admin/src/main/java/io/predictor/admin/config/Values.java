package io.predictor.admin.config;

import io.predictor.admin.config.Config.HostPort;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The kinds of scalar values the config file holds, each with its parser and its words for errors. */
final class Values {
    private static final Pattern TOKEN_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    static final ValueKind<String> TOKEN = new ValueKind<>("a name of letters, digits, '.', '_' or '-'", text -> {
        if (!TOKEN_PATTERN.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a valid name; expected 1 to 128 letters,"
                    + " digits, '.', '_' or '-'");
        }
        return text;
    });

    /** Only true and false: YAML 1.1's yes/no/on/off are refused, since "no" is also a country code and a word. */
    static final ValueKind<Boolean> BOOLEAN = new ValueKind<>("true or false",
            text -> switch (text.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("'" + text + "' is not a boolean;"
                        + " expected true or false");
            });

    static final ValueKind<Integer> INT = new ValueKind<>("a whole number", text -> {
        // ASCII digits only: Integer.parseInt also reads other scripts' digits (found by review)
        if (!text.matches("-?[0-9]+")) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
    });

    static final ValueKind<Duration> DURATION = new ValueKind<>("a duration such as 250ms, 5s or 2m", Durations::parse);

    /** The longest duration a setting takes: longer ones overflowed the int milliseconds and the nanosecond deadlines they become (found by review). */
    static final Duration MAX_DURATION = Duration.ofHours(24);

    static final ValueKind<Duration> POSITIVE_DURATION = DURATION.where(d -> !d.isZero() && d.compareTo(MAX_DURATION) <= 0,
            d -> d.isZero() ? "0s is not allowed; expected a duration longer than zero, e.g. 250ms, 5s, 2m"
                    : Durations.format(d) + " is longer than the 24h a setting may be");

    static final ValueKind<Long> SIZE = new ValueKind<>("a size such as 512, 8KiB or 1MiB", Sizes::parse);

    static final ValueKind<HostPort> HOST_PORT = new ValueKind<>("HOST:PORT, e.g. 127.0.0.1:8080",
            Addresses::parseHostPort);

    /** A CIDR, kept as written (the model stores the text; {@link Cidr#parse} has checked it). */
    static final ValueKind<String> CIDR = new ValueKind<>("a CIDR such as 10.0.0.0/8", text -> {
        Cidr.parse(text);
        return text;
    });

    private Values() {
    }

    static ValueKind<Integer> intIn(int min, int max) {
        return INT.where(n -> n >= min && n <= max,
                n -> n + " is out of range; expected a whole number from " + min + " to " + max);
    }

    static ValueKind<Long> sizeIn(long min, long max) {
        return SIZE.where(n -> n >= min && n <= max, n -> Sizes.format(n) + " is out of range; expected a size from "
                + Sizes.format(min) + " to " + Sizes.format(max));
    }

    /** One of a fixed set of lower-case words, mapped to a value. */
    static <T> ValueKind<T> oneOf(Map<String, T> choices, List<String> order) {
        String expected = "one of " + String.join(", ", order);
        return new ValueKind<>(expected, text -> {
            T value = choices.get(text);
            if (value == null) {
                throw new IllegalArgumentException("'" + text + "' is not valid; expected " + expected);
            }
            return value;
        });
    }

    /** One of a fixed set of words, kept as the word. */
    static ValueKind<String> word(String... words) {
        Map<String, String> m = new HashMap<>();
        for (String w : words) {
            m.put(w, w);
        }
        return oneOf(m, List.of(words));
    }

    /** An enum constant by its lower-case name ({@code ROUND_ROBIN} is written {@code round_robin}). */
    static <E extends Enum<E>> ValueKind<E> enumOf(Class<E> type) {
        Map<String, E> m = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            String name = e.name().toLowerCase(Locale.ROOT);
            m.put(name, e);
            order.add(name);
        }
        return oneOf(m, order);
    }

    /** A file or directory name, resolved against {@code dir} (the config file's directory) when relative. */
    static ValueKind<Path> path(Path dir) {
        return new ValueKind<>("a path, relative to the config file's directory", text -> {
            if (text.isBlank()) {
                throw new IllegalArgumentException("'" + text + "' is not a path; expected a file name,"
                        + " e.g. sites.txt");
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    // a YAML block scalar (path: |) keeps its final line break: the file would
                    // then be "not found" under a name that looks right in every message
                    throw new IllegalArgumentException("'" + text.strip() + "' has a control character (U+"
                            + String.format("%04X", (int) c) + ") at position " + (i + 1) + "; write the path on"
                            + " one line (a block scalar '|' keeps its line break; '|-' does not)");
                }
            }
            try {
                return dir.resolve(text).normalize();
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("'" + text + "' is not a valid path: " + e.getReason());
            }
        });
    }
}

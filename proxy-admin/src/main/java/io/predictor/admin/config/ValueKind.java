package io.predictor.admin.config;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * How to read one scalar config value: what to call it in "expected ..." and a parser whose
 * {@link IllegalArgumentException} messages are shown to the user as they are.
 */
record ValueKind<T>(String expected, Function<String, T> parser) {

    T parse(String text) {
        return parser.apply(text);
    }

    /** The same kind with a further check, e.g. a range; {@code message} says why a parsed value is refused. */
    ValueKind<T> where(Predicate<T> ok, Function<T, String> message) {
        return new ValueKind<>(expected, text -> {
            T value = parser.apply(text);
            if (!ok.test(value)) {
                throw new IllegalArgumentException(message.apply(value));
            }
            return value;
        });
    }
}

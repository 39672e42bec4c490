package io.predictor.admin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @ParameterizedTest(name = "{0} = {1} bytes, written {2}")
    @CsvSource({
            "512,     512,        512",
            "512B,    512,        512",
            "0,       0,          0",
            "1024,    1024,       1KiB",
            "8KiB,    8192,       8KiB",
            "1536,    1536,       1536",
            "1MiB,    1048576,    1MiB",
            "2048KiB, 2097152,    2MiB",
            "1GiB,    1073741824, 1GiB",
            "3GiB,    3221225472, 3GiB",
    })
    void parsesAndFormatsTheShortestForm(String text, long bytes, String canonical) {
        long n = Sizes.parse(text);

        assertThat(n).isEqualTo(bytes);
        assertThat(Sizes.format(n)).isEqualTo(canonical);
        assertThat(Sizes.parse(Sizes.format(n))).isEqualTo(n);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 1023, 1025, 4096, 1_000_000, 5 * 1024 * 1024 + 1, 7L << 30, Long.MAX_VALUE / 16})
    void formatRoundTrips(long bytes) {
        assertThat(Sizes.parse(Sizes.format(bytes))).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "8KB   | '8KB' is not a size: KB is not accepted because it is ambiguous (1000 or 1024 bytes?); write KiB",
            "8kB   | '8kB' is not a size: kB is not accepted because it is ambiguous (1000 or 1024 bytes?); write KiB",
            "8K    | '8K' is not a size: K is not accepted because it is ambiguous (1000 or 1024 bytes?); write KiB",
            "1MB   | '1MB' is not a size: MB is not accepted because it is ambiguous (1000 or 1024 bytes?); write MiB",
            "1G    | '1G' is not a size: G is not accepted because it is ambiguous (1000 or 1024 bytes?); write GiB",
            "8kib  | '8kib' is not a size: units are case-sensitive; write KiB",
            "8x    | '8x' is not a size; expected a number of bytes, optionally with KiB, MiB or GiB, e.g. 512, 8KiB",
            "KiB   | 'KiB' is not a size; expected a number of bytes",
            "-1    | '-1' is not a size; expected",
            "1.5MiB| '1.5MiB' is not a size; expected",
            "8 KiB | '8 KiB' is not a size; expected",
            "99999999999GiB | '99999999999GiB' is not a size (too large)",
    })
    void refusesWhatIsNotASize(String text, String messageStart) {
        assertThatIllegalArgumentException().isThrownBy(() -> Sizes.parse(text)).withMessageStartingWith(messageStart);
    }
}

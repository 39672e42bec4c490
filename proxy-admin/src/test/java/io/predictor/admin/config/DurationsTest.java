package io.predictor.admin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms, written {2}")
    @CsvSource({
            "250ms,     250,       250ms",
            "5s,        5000,      5s",
            "2m,        120000,    2m",
            "1h,        3600000,   1h",
            "1m30s,     90000,     1m30s",
            "90s,       90000,     1m30s",
            "1h2m3s4ms, 3723004,   1h2m3s4ms",
            "1500ms,    1500,      1s500ms",
            "0s,        0,         0s",
            "0ms,       0,         0s",
            "48h,       172800000, 48h",
    })
    void parsesAndFormatsTheShortestForm(String text, long millis, String canonical) {
        Duration d = Durations.parse(text);

        assertThat(d).isEqualTo(Duration.ofMillis(millis));
        assertThat(Durations.format(d)).isEqualTo(canonical);
        assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 999, 1000, 59_999, 60_000, 3_599_999, 3_600_000, 86_400_001, 123_456_789})
    void formatRoundTrips(long millis) {
        Duration d = Duration.ofMillis(millis);

        assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "5x", "s", "-5s", "5 s", " 5s", "5S", "1.5s", "5sec", "5mss", "30s1m", "1s1s",
            "1ms5s", "1d", "9999999999s", "PT5S"})
    void refusesWhatIsNotADuration(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse(text))
                .withMessageStartingWith("'" + text + "' is not a duration")
                .withMessageEndingWith("; expected a number with ms, s, m or h, e.g. 250ms, 5s, 2m");
    }

    @ParameterizedTest
    @CsvSource({
            "5,     '5' is not a duration (a unit is required)",
            "30s1m, '30s1m' is not a duration (combine units from the largest down, each once, e.g. 1m30s)",
    })
    void saysWhyWhenItCan(String text, String start) {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse(text)).withMessageStartingWith(start);
    }
}

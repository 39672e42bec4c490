package io.predictor.admin.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.core.routing.SiteState;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeCodecTest {

    static final Instant T = Instant.parse("2025-01-02T03:04:05.678Z");

    static List<ChangeRecord> samples() {
        return List.of(
                new ChangeRecord(1, T, "ops", false, new Change.Site("www.example.com", null,
                        new Change.Entry(SiteState.MAINTENANCE, "filer-042"))),
                new ChangeRecord(2, T, "sha256:0123abcd", true, new Change.Site("*.example.net",
                        new Change.Entry(SiteState.LEGACY, null), new Change.Entry(SiteState.MIGRATED, null))),
                new ChangeRecord(3, T, "ops", false, new Change.Site("gone.example.com",
                        new Change.Entry(SiteState.HOLD, "g"), null)),
                new ChangeRecord(4, T, "ops", true, new Change.Group("filer-042", SiteState.MIGRATED,
                        new Change.StateCounts(1, 2, 3, 4))),
                new ChangeRecord(5, T, "signal:SIGHUP", false, new Change.Reload("/etc/sites.txt", 10, 11)));
    }

    @Test
    void everyKindOfChangeSurvivesTheRoundTrip() throws IOException {
        for (ChangeRecord r : samples()) {
            assertThat(ChangeCodec.decode(ChangeCodec.encode(r))).isEqualTo(r);
        }
    }

    @Test
    void refusesAnUnknownVersionOrTrailingBytes() {
        byte[] b = ChangeCodec.encode(samples().get(0));
        byte[] newer = b.clone();
        newer[0] = 9;
        assertThatThrownBy(() -> ChangeCodec.decode(newer)).hasMessageContaining("version 9");
        byte[] longer = java.util.Arrays.copyOf(b, b.length + 1);
        assertThatThrownBy(() -> ChangeCodec.decode(longer)).hasMessageContaining("trailing");
    }
}

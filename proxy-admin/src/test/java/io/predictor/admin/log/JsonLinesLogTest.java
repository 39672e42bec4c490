package io.predictor.admin.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeRecord;
import io.predictor.core.routing.SiteState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLinesLogTest {

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final JsonLinesLog log = new JsonLinesLog(new PrintStream(bytes, true, StandardCharsets.UTF_8),
            Clock.fixed(Instant.parse("2025-05-06T07:08:09Z"), ZoneOffset.UTC));

    @Test
    void anAuditRecordIsOneJsonLineWithWhoWhatBeforeAfterRevisionAndForced() {
        log.record(new ChangeRecord(7, Instant.parse("2025-05-06T07:08:09.123Z"), "ops", true,
                new Change.Site("www.example.com", new Change.Entry(SiteState.LEGACY, "g1"),
                        new Change.Entry(SiteState.MIGRATED, "g1"))));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("{\"time\":\"2025-05-06T07:08:09.123Z\","
                + "\"log\":\"audit\",\"revision\":7,\"who\":\"ops\","
                + "\"what\":\"site www.example.com\",\"before\":{\"state\":\"legacy\",\"group\":\"g1\"},"
                + "\"after\":{\"state\":\"migrated\",\"group\":\"g1\"},\"forced\":true}" + System.lineSeparator());
    }

    @Test
    void aChangeCommittedAfterItsCallFailedIsAuditedAsNotAcknowledged() {
        log.recordUnacknowledged(new ChangeRecord(8, Instant.parse("2025-05-06T07:08:09.123Z"), "ops", false,
                new Change.Group("filer-1", SiteState.MAINTENANCE, new Change.StateCounts(2, 0, 0, 0))));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).startsWith("{\"time\":\"2025-05-06T07:08:09.123Z\","
                + "\"log\":\"audit\",\"revision\":8,\"who\":\"ops\",\"what\":\"group filer-1\"")
                .contains(",\"acknowledged\":false,\"detail\":\"its call was answered 503 state_store_unavailable");
    }

    @Test
    void anEventIsOneJsonLine() {
        log.event(EventLog.Level.WARN, "journal_tail_dropped", Map.of("bytes", 12));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("{\"time\":\"2025-05-06T07:08:09Z\",\"log\":\"event\","
                + "\"level\":\"warn\",\"event\":\"journal_tail_dropped\",\"bytes\":12}" + System.lineSeparator());
    }

    @Test
    void anEventsTimeHasMilliseconds() {
        JsonLinesLog precise = new JsonLinesLog(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                Clock.fixed(Instant.parse("2025-05-06T07:08:09.123456789Z"), ZoneOffset.UTC));
        precise.event(EventLog.Level.INFO, "started", Map.of());
        assertThat(bytes.toString(StandardCharsets.UTF_8)).startsWith("{\"time\":\"2025-05-06T07:08:09.123Z\"");
    }
}

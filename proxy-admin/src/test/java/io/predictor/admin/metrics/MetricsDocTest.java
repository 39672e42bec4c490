package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/metrics.md is the table of {@link PredictorMeter}: every meter, with its labels, is in it. */
class MetricsDocTest {

    static final Path DOC = Path.of("..", "docs", "metrics.md");

    @Test
    void docsListEveryMeterWithItsTypeAndLabels() throws Exception {
        String doc = Files.readString(DOC);
        for (PredictorMeter m : PredictorMeter.values()) {
            String row = doc.lines().filter(l -> l.startsWith("| `" + m.prometheusName() + "` |")).findFirst()
                    .orElseThrow(() -> new AssertionError("docs/metrics.md has no row for " + m.prometheusName()));
            String type = m.type() == PredictorMeter.Type.TIMER ? "histogram" : m.type().name().toLowerCase();
            assertThat(row).as(m.name()).contains("| " + type);
            for (String label : m.labels()) {
                assertThat(row).as("%s label %s", m.name(), label).contains("`" + label + "`");
            }
        }
    }

    @Test
    void prometheusNamesFollowSpecSection7() {
        assertThat(PredictorMeter.REQUESTS.prometheusName()).isEqualTo("predictor_requests_total");
        assertThat(PredictorMeter.REQUEST_DURATION.prometheusName()).isEqualTo("predictor_request_duration_seconds");
        assertThat(PredictorMeter.UPSTREAM_ERRORS.prometheusName()).isEqualTo("predictor_upstream_errors_total");
        assertThat(PredictorMeter.ACTIVE_CONNECTIONS.prometheusName()).isEqualTo("predictor_active_connections");
        assertThat(PredictorMeter.INFLIGHT_REQUESTS.prometheusName()).isEqualTo("predictor_inflight_requests");
        assertThat(PredictorMeter.SITES.prometheusName()).isEqualTo("predictor_sites");
        assertThat(PredictorMeter.TABLE_REVISION.prometheusName()).isEqualTo("predictor_table_revision");
        assertThat(PredictorMeter.RELOADS.prometheusName()).isEqualTo("predictor_reloads_total");
        assertThat(PredictorMeter.STATE_CHANGES.prometheusName()).isEqualTo("predictor_state_changes_total");
    }
}

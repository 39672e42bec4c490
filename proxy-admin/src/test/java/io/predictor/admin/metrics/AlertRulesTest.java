package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * config/prometheus-alerts.yml is valid and does what its unit tests
 * (config/prometheus-alerts.test.yml) say, and config/prometheus.yml is a valid Prometheus
 * configuration: {@code promtool check rules}, {@code promtool test rules} and
 * {@code promtool check config}, as part of the build.
 */
class AlertRulesTest {

    @Test
    void alertRulesAreValid() throws Exception {
        Path promtool = PrometheusTools.require("promtool");
        PrometheusTools.Result r = PrometheusTools.run(PrometheusTools.CONFIG, promtool.toString(), "check", "rules",
                "prometheus-alerts.yml");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    @Test
    void alertRuleUnitTestsPass() throws Exception {
        Path promtool = PrometheusTools.require("promtool");
        PrometheusTools.Result r = PrometheusTools.run(PrometheusTools.CONFIG, promtool.toString(), "test", "rules",
                "prometheus-alerts.test.yml");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED");
    }

    @Test
    void exampleScrapeConfigIsValid() throws Exception {
        Path promtool = PrometheusTools.require("promtool");
        PrometheusTools.Result r = PrometheusTools.run(PrometheusTools.CONFIG, promtool.toString(), "check", "config",
                "prometheus.yml");
        assertThat(r.exitCode()).as(r.output()).isZero();
    }
}

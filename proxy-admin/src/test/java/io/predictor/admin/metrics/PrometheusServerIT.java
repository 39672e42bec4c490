package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.predictor.core.testing.RawClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's {@code /usr/bin/prometheus}, a child process on a free
 * loopback port, scraping every second) scrapes a running proxy's admin listener and answers
 * PromQL over {@code predictor_requests_total} with the traffic the test sent; the shipped alert
 * rules load in it, and every dashboard query is valid PromQL that it runs.
 */
class PrometheusServerIT {

    static final int LOCAL = 6;
    static final int LEGACY = 4;
    static final int MAINTENANCE = 3;

    @TempDir
    Path dir;

    MetricsHarness h;
    Process prometheus;
    Path prometheusLog;
    int prometheusPort;

    @BeforeEach
    void start() throws Exception {
        Path binary = PrometheusTools.require("prometheus");
        Files.createDirectories(dir.resolve("proxy"));
        h = new MetricsHarness(dir.resolve("proxy"));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  evaluation_interval: 1s",
                "rule_files:",
                "  - " + ShippedQueries.ALERTS.toAbsolutePath().normalize(),
                "scrape_configs:",
                "  - job_name: predictor",
                "    scrape_interval: 1s",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + h.adminPort() + "']",
                ""));
        prometheusPort = freePort();
        prometheusLog = dir.resolve("prometheus.log");
        prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(prometheusLog.toFile()).start();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (h != null) {
                h.close();
            }
        }
    }

    @Test
    void prometheusScrapesTheProxyAndAnswersPromQLWithTheTraffic() throws Exception {
        try (RawClient c = new RawClient(h.proxy.address())) {
            for (int i = 0; i < LOCAL; i++) {
                assertThat(c.get("new.example.com", "/").status()).isEqualTo(200);
            }
            for (int i = 0; i < LEGACY; i++) {
                assertThat(c.get("old.example.com", "/").status()).isEqualTo(200);
            }
            for (int i = 0; i < MAINTENANCE; i++) {
                assertThat(c.get("copy.example.com", "/").status()).isEqualTo(503);
            }
        }
        String total = "sum(predictor_requests_total{job=\"predictor\"})";
        awaitValue(total, LOCAL + LEGACY + MAINTENANCE);

        assertThat(value("predictor_requests_total{route=\"local\",code=\"200\"}")).isEqualTo(LOCAL);
        assertThat(value("sum by (route) (predictor_requests_total{route=\"legacy\"})")).isEqualTo(LEGACY);
        assertThat(value("predictor_requests_total{route=\"maintenance\",code=\"503\"}")).isEqualTo(MAINTENANCE);
        assertThat(value("sum(predictor_request_duration_seconds_count)")).isEqualTo(LOCAL + LEGACY + MAINTENANCE);
        assertThat(value("max(predictor_sites{state=\"migrated\"})")).isEqualTo(1);
        assertThat(value("up{job=\"predictor\"}")).as("the scrape target is healthy").isEqualTo(1);
    }

    @Test
    void shippedAlertRulesLoadAndEveryDashboardQueryRuns() throws Exception {
        awaitValue("up{job=\"predictor\"}", 1);
        JsonNode rules = api("/api/v1/rules");
        List<String> loaded = new ArrayList<>();
        for (JsonNode group : rules.path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                loaded.add(rule.path("name").asText());
                assertThat(rule.path("health").asText()).as("rule %s: %s", rule.path("name"), rule.path("lastError"))
                        .isIn("ok", "unknown");
            }
        }
        assertThat(loaded).contains("PredictorHighErrorRatio", "PredictorPoolDown", "PredictorPoolUnreachable",
                "PredictorReloadFailed", "PredictorDrainBarrierTimeout", "PredictorStateStoreErrors");

        for (String expr : ShippedQueries.dashboardExpressions()) {
            if (expr.startsWith("label_values(")) {
                continue; // a Grafana function, not PromQL
            }
            JsonNode r = api("/api/v1/query?query=" + enc(ShippedQueries.runnable(expr)));
            assertThat(r.path("status").asText()).as("dashboard query %s: %s", expr, r.path("error"))
                    .isEqualTo("success");
        }
    }

    private void awaitValue(String query, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Double last = null;
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                throw new AssertionError("prometheus exited: " + Files.readString(prometheusLog));
            }
            try {
                last = value(query);
                if (last != null && last == expected) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError(query + " = " + last + ", expected " + expected + " within 60 s; prometheus log:\n"
                + Files.readString(prometheusLog));
    }

    /** The value of an instant query with one result, or null when it has none. */
    private Double value(String query) throws Exception {
        JsonNode r = api("/api/v1/query?query=" + enc(query));
        assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("success");
        JsonNode result = r.path("data").path("result");
        if (result.isEmpty()) {
            return null;
        }
        assertThat(result.size()).as("one series for %s: %s", query, result).isEqualTo(1);
        return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    private JsonNode api(String pathAndQuery) throws Exception {
        HttpResponse<String> r = h.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + prometheusPort + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return ShippedQueries.STRICT_JSON.readTree(r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

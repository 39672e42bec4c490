package io.predictor.admin.metrics;

import static io.predictor.admin.metrics.PrometheusText.series;
import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.testing.RawClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known traffic through a real data plane, then {@code GET /metrics} on the real admin listener:
 * every counter of SPEC §7 has exactly the value the traffic and the admin calls imply.
 */
class MetricsIT {

    static final int LOCAL_OK = 7;
    static final int LOCAL_NOT_FOUND = 2;
    static final int LEGACY_OK = 5;
    static final int MAINTENANCE = 4;
    static final int LEGACY_REFUSED = 3;

    @TempDir
    Path dir;

    MetricsHarness h;

    @BeforeEach
    void start() throws Exception {
        h = new MetricsHarness(dir);
    }

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    @Test
    void scrapeCountsKnownTrafficExactly() throws Exception {
        try (RawClient c = new RawClient(h.proxy.address())) {
            for (int i = 0; i < LOCAL_OK; i++) {
                assertThat(c.get("new.example.com", "/").bodyText()).isEqualTo("local");
            }
            for (int i = 0; i < LOCAL_NOT_FOUND; i++) {
                assertThat(c.get("new.example.com", "/missing").status()).isEqualTo(404);
            }
            for (int i = 0; i < LEGACY_OK; i++) {
                assertThat(c.get("old.example.com", "/").bodyText()).isEqualTo("legacy");
            }
            for (int i = 0; i < MAINTENANCE; i++) {
                assertThat(c.get("copy.example.com", "/").status()).isEqualTo(503);
            }
            h.stopLegacy();
            // let the proxy see its kept-alive legacy connection close, so that every request below
            // meets the closed port (what a stale pooled connection does is StallsAndRetriesIT's subject)
            Thread.sleep(300);
            for (int i = 0; i < LEGACY_REFUSED; i++) {
                assertThat(c.get("old.example.com", "/").status()).isEqualTo(502);
            }
        }
        try (RawClient bad = new RawClient(h.proxy.address())) {
            bad.send("GET / HTTP/1.1\r\n\r\n"); // no Host: refused before routing
            assertThat(bad.read().status()).isEqualTo(400);
        }

        PrometheusText m = awaitScrape(s -> s.value("predictor_active_connections", "listener", "http") == 0);
        assertThat(m.value("predictor_requests_total", "route", "hold", "code", "503"))
                .as("the proxy's own statuses are there from the start").isZero();
        assertThat(nonZero(m.seriesOf("predictor_requests_total"))).containsExactlyInAnyOrderEntriesOf(Map.of(
                series("predictor_requests_total", "route", "local", "code", "200"), (double) LOCAL_OK,
                series("predictor_requests_total", "route", "local", "code", "404"), (double) LOCAL_NOT_FOUND,
                series("predictor_requests_total", "route", "legacy", "code", "200"), (double) LEGACY_OK,
                series("predictor_requests_total", "route", "legacy", "code", "502"), (double) LEGACY_REFUSED,
                series("predictor_requests_total", "route", "maintenance", "code", "503"), (double) MAINTENANCE,
                series("predictor_requests_total", "route", "error", "code", "400"), 1.0));
        assertThat(m.value("predictor_upstream_errors_total", "pool", "legacy", "kind", "connect_refused"))
                .isEqualTo(LEGACY_REFUSED);
        assertThat(m.sum("predictor_upstream_errors_total")).as("no other upstream error").isEqualTo(LEGACY_REFUSED);
        assertThat(m.value("predictor_upstream_errors_total", "pool", "local", "kind", "reset"))
                .as("every pool and kind is there from the start").isZero();

        assertThat(m.type("predictor_request_duration_seconds")).isEqualTo("histogram");
        assertThat(m.value("predictor_request_duration_seconds_count", "route", "local"))
                .isEqualTo(LOCAL_OK + LOCAL_NOT_FOUND);
        assertThat(m.value("predictor_request_duration_seconds_count", "route", "legacy"))
                .isEqualTo(LEGACY_OK + LEGACY_REFUSED);
        assertThat(m.value("predictor_request_duration_seconds_count", "route", "maintenance")).isEqualTo(MAINTENANCE);
        assertThat(m.value("predictor_request_duration_seconds_bucket", "route", "local", "le", "+Inf"))
                .isEqualTo(LOCAL_OK + LOCAL_NOT_FOUND);
        assertThat(m.value("predictor_request_duration_seconds_bucket", "route", "local", "le", "0.001")).isNotNull();
        assertThat(m.value("predictor_request_duration_seconds_bucket", "route", "local", "le", "30.0")).isNotNull();

        assertThat(m.value("predictor_upstream_server_up", "pool", "local", "server", addr(h.local.address())))
                .isEqualTo(1);
        assertThat(m.value("predictor_upstream_server_up", "pool", "legacy", "server", addr(h.legacy.address())))
                .as("refused three times in a row: ejected").isZero();
        assertThat(m.value("predictor_access_log_dropped_total")).isZero();
        assertThat(m.seriesOf("predictor_sites")).containsExactlyInAnyOrderEntriesOf(Map.of(
                series("predictor_sites", "state", "legacy"), 2.0,
                series("predictor_sites", "state", "migrated"), 1.0,
                series("predictor_sites", "state", "maintenance"), 1.0,
                series("predictor_sites", "state", "hold"), 0.0));
        assertThat(m.value("predictor_table_revision")).isZero();
    }

    @Test
    void holdIsInFlightUntilTheCutOverEndsAndChangesReloadsAndBarriersAreCounted() throws Exception {
        assertThat(h.admin("PUT", "/api/v1/sites/cut.example.com", "{\"state\":\"hold\"}").statusCode()).isEqualTo(200);
        try (RawClient parked = new RawClient(h.proxy.address())) {
            parked.send("GET / HTTP/1.1\r\nHost: cut.example.com\r\n\r\n");
            PrometheusText m = awaitScrape(s -> s.value("predictor_inflight_requests", "route", "hold") == 1);
            assertThat(m.value("predictor_active_connections", "listener", "http")).isEqualTo(1);
            assertThat(m.value("predictor_inflight_requests", "route", "local")).isZero();
            assertThat(m.value("predictor_sites", "state", "hold")).isEqualTo(1);

            assertThat(h.admin("PUT", "/api/v1/sites/cut.example.com", "{\"state\":\"migrated\"}").statusCode())
                    .isEqualTo(200);
            assertThat(parked.read().bodyText()).as("released to the new side").isEqualTo("local");
        }
        assertThat(h.admin("PUT", "/api/v1/sites/old.example.com?wait=drained&timeout=5s",
                "{\"state\":\"maintenance\"}").statusCode()).isEqualTo(200);
        assertThat(h.admin("POST", "/api/v1/reload", null).statusCode()).isEqualTo(200);
        Files.writeString(dir.resolve("sites.txt"), "this line is not a site\n");
        assertThat(h.admin("POST", "/api/v1/reload", null).statusCode()).isEqualTo(422);

        PrometheusText m = awaitScrape(s -> s.value("predictor_inflight_requests", "route", "hold") == 0);
        assertThat(m.value("predictor_requests_total", "route", "local", "code", "200"))
                .as("the parked request is counted once, by the route that answered it").isEqualTo(1);
        assertThat(m.value("predictor_requests_total", "route", "hold", "code", "200")).isNull();
        assertThat(m.value("predictor_state_changes_total", "kind", "site")).isEqualTo(3);
        assertThat(m.value("predictor_state_changes_total", "kind", "group")).isZero();
        assertThat(m.value("predictor_state_changes_total", "kind", "reload")).isEqualTo(1);
        assertThat(m.value("predictor_reloads_total", "result", "ok")).isEqualTo(1);
        assertThat(m.value("predictor_reloads_total", "result", "failed")).isEqualTo(1);
        assertThat(m.value("predictor_drain_barrier_total", "result", "drained")).isEqualTo(1);
        assertThat(m.value("predictor_drain_barrier_total", "result", "timeout")).isZero();
        assertThat(m.value("predictor_drain_barrier_total", "result", "closed")).isZero();
        assertThat(m.value("predictor_state_store_errors_total")).isZero();
        assertThat(m.value("predictor_state_store_available")).isEqualTo(1.0);
        assertThat(m.value("predictor_table_revision")).isEqualTo(4);
        assertThat(m.value("predictor_sites", "state", "maintenance")).isEqualTo(2);
    }

    @Test
    void metricsAreTextForPrometheusWithoutATokenBehindTheHostGuard() throws Exception {
        HttpResponse<String> r = h.scrapeResponse();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).contains("# TYPE predictor_requests_total counter")
                .contains("jvm_memory_used_bytes").contains("netty_allocator_memory_used");

        HttpResponse<String> foreign = h.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + h.adminPort() + "/metrics"))
                .header("Origin", "http://evil.example").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(h.admin("POST", "/metrics", null).statusCode()).isEqualTo(405);
    }

    @Test
    void aTlsListenerReportsItsContextsBuiltAndHeld() throws Exception {
        PrometheusText m = h.scrape();
        assertThat(m.value("predictor_tls_contexts", "listener", "https")).as("the default's, built at load").isEqualTo(1);
        assertThat(m.value("predictor_tls_context_builds_total", "listener", "https")).isEqualTo(1);
    }

    @Test
    void everyPredictorMeterIsScrapedUnderItsDocumentedNameAndLabels() throws Exception {
        PrometheusText m = h.scrape();
        for (PredictorMeter meter : PredictorMeter.values()) {
            String name = meter.type() == PredictorMeter.Type.TIMER ? meter.prometheusName() + "_count"
                    : meter.prometheusName();
            Map<String, Double> series = m.seriesOf(name);
            assertThat(series).as("%s is scraped as %s", meter, name).isNotEmpty();
            for (String s : series.keySet()) {
                for (String label : meter.labels()) {
                    assertThat(s).as("%s has label %s", s, label).contains(label + "=\"");
                }
                assertThat(s.chars().filter(ch -> ch == '=').count()).as("%s has only its labels", s)
                        .isEqualTo(meter.labels().size());
            }
        }
    }

    /** Scrapes until {@code ready} holds (gauges are sampled at most every 500 ms); fails after 10 s. */
    private PrometheusText awaitScrape(Predicate<PrometheusText> ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            PrometheusText m = h.scrape();
            if (ready.test(m)) {
                return m;
            }
            assertThat(System.nanoTime()).as("scrape condition within 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static Map<String, Double> nonZero(Map<String, Double> series) {
        Map<String, Double> m = new java.util.TreeMap<>(series);
        m.values().removeIf(v -> v == 0);
        return m;
    }

    private static String addr(java.net.InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}

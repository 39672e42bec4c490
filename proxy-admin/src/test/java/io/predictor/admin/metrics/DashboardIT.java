package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.predictor.core.testing.RawClient;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config/grafana-dashboard.json is valid JSON, and every metric that it or the alert rules query
 * is in a scrape of a running proxy (a renamed meter must not leave an empty panel behind).
 */
class DashboardIT {

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
    void dashboardIsValidJsonWithUniquePanelsAndQueries() throws Exception {
        JsonNode d = ShippedQueries.dashboard();
        assertThat(d.path("title").asText()).isEqualTo("Predictor");
        assertThat(d.path("uid").asText()).isNotEmpty();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : d.path("panels")) {
            assertThat(ids.add(p.path("id").asInt())).as("panel id %s is unique", p.path("id")).isTrue();
            if (!p.path("type").asText().equals("row")) {
                assertThat(p.path("targets").size()).as("panel '%s' has a query", p.path("title").asText())
                        .isPositive();
            }
        }
        List<String> exprs = ShippedQueries.dashboardExpressions();
        assertThat(exprs).hasSizeGreaterThan(30);
        Set<String> read = new TreeSet<>();
        exprs.forEach(e -> read.addAll(ShippedQueries.metricNames(e)));
        assertThat(read).as("the dashboard shows every metric of SPEC §7").contains(
                "predictor_requests_total", "predictor_request_duration_seconds_bucket",
                "predictor_upstream_errors_total", "predictor_active_connections", "predictor_inflight_requests",
                "predictor_sites", "predictor_table_revision", "predictor_reloads_total",
                "predictor_state_changes_total", "predictor_upstream_server_up", "jvm_memory_used_bytes",
                "netty_allocator_memory_used");
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsScraped() throws Exception {
        try (RawClient c = new RawClient(h.proxy.address())) {
            c.get("new.example.com", "/");
            c.get("old.example.com", "/");
            c.get("copy.example.com", "/");
        }
        Set<String> wanted = new TreeSet<>();
        ShippedQueries.dashboardExpressions().forEach(e -> wanted.addAll(ShippedQueries.metricNames(e)));
        ShippedQueries.alertExpressions().forEach(e -> wanted.addAll(ShippedQueries.metricNames(e)));

        Set<String> missing = missing(wanted, h.scrape().names());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            System.gc(); // jvm_gc_pause_seconds appears with the first collection
            Thread.sleep(200);
            missing = missing(wanted, h.scrape().names());
        }
        assertThat(missing).as("queried by config/ but not in a scrape").isEmpty();
    }

    /** The wanted names not scraped; a histogram's {@code _bucket/_count/_sum} match its series. */
    private static Set<String> missing(Set<String> wanted, Set<String> scraped) {
        Set<String> missing = new TreeSet<>();
        for (String w : wanted) {
            String base = w.replaceAll("_(bucket|count|sum)$", "");
            if (!scraped.contains(w) && !(scraped.contains(base + "_bucket") || scraped.contains(base + "_count"))) {
                missing.add(w);
            }
        }
        return missing;
    }
}

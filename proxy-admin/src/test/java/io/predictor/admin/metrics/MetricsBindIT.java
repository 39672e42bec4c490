package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.ControlPlane;
import io.predictor.admin.config.Config;
import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.testing.TestConfigs;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code admin.metrics_bind}: a listener of its own that answers {@code /metrics} and nothing else. */
class MetricsBindIT {

    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsBindAnswersMetricsOnlyAndTheAdminListenerStillDoes() throws Exception {
        SiteTable.Builder b = new SiteTable.Builder(1, 64, 0, 0);
        b.add("www.example.com", SiteState.MIGRATED, null);
        SiteTable base = b.build();
        Path sites = dir.resolve("sites.txt");
        Files.writeString(sites, "www.example.com migrated\n");
        Config c = TestConfigs.controlPlane("127.0.0.1", null, sites, dir.resolve("state"));
        Config config = new Config(c.file(), c.instance(), c.listeners(),
                new Config.Admin(c.admin().bind(), null, new Config.HostPort("127.0.0.1", 0)), c.pools(),
                c.routing(), c.state(), c.timeouts(), c.limits(), c.runtime());
        JsonLinesLog quiet = new JsonLinesLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC());
        try (Metrics metrics = Metrics.create()) {
            Router router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
            metrics.bindRouting(router);
            try (ControlPlane plane = ControlPlane.start(config, router, base, () -> true,
                    ControlPlane.Options.logTo(quiet).withMetrics(metrics))) {
                assertThat(plane.metricsPort()).isPositive().isNotEqualTo(plane.adminPort());

                HttpResponse<String> m = get(plane.metricsPort(), "/metrics");
                assertThat(m.statusCode()).isEqualTo(200);
                assertThat(m.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
                assertThat(new PrometheusText(m.body()).value("predictor_sites", "state", "migrated")).isEqualTo(1);

                HttpResponse<String> status = get(plane.metricsPort(), "/api/v1/status");
                assertThat(status.statusCode()).as("the admin API is not on the metrics listener").isEqualTo(404);
                assertThat(status.body()).contains("admin.metrics_bind");
                assertThat(get(plane.metricsPort(), "/api/v1/sites/www.example.com").statusCode()).isEqualTo(404);

                assertThat(get(plane.adminPort(), "/metrics").statusCode()).isEqualTo(200);
                assertThat(get(plane.adminPort(), "/api/v1/status").statusCode()).isEqualTo(200);
            }
        }
    }
}

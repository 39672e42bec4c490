package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.service.DataPlane;
import io.predictor.admin.testing.TestConfigs;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's files as they go on the wire from the real admin listener: types and security headers. */
class ConsoleFilesIT {

    @TempDir
    Path dir;
    ControlPlane plane;

    @BeforeEach
    void start() throws Exception {
        Path sites = dir.resolve("sites.txt");
        Files.writeString(sites, "");
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "ops console-files-test-token-0123456789\n");
        JsonLinesLog quiet = new JsonLinesLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC());
        plane = ControlPlane.start(TestConfigs.controlPlane("127.0.0.1", tokens, sites, dir.resolve("state")),
                new Router(RoutingSnapshot.of(SiteTable.EMPTY, 0, SiteState.LEGACY)), SiteTable.EMPTY, () -> true,
                new ControlPlane.Options(quiet, quiet, Clock.systemUTC(), 1000, DataPlane.NONE));
    }

    @AfterEach
    void stop() throws Exception {
        plane.close();
    }

    RawClient.Response get(String path, String... headers) throws Exception {
        return getAs("127.0.0.1:" + plane.adminPort(), path, headers);
    }

    RawClient.Response getAs(String host, String path, String... headers) throws Exception {
        try (RawClient c = new RawClient(new java.net.InetSocketAddress("127.0.0.1", plane.adminPort()))) {
            StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            return c.send(req.append("\r\n").toString()).read();
        }
    }

    @Test
    void theConsoleIsServedWithItsTypesAndAStrictPolicy() throws Exception {
        RawClient.Response index = get("/console/");
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.header("content-type")).isEqualTo("text/html; charset=utf-8");
        assertThat(index.header("content-security-policy")).startsWith("default-src 'self'");
        assertThat(index.header("x-content-type-options")).isEqualTo("nosniff");
        assertThat(index.header("cache-control")).isEqualTo("no-cache");
        assertThat(index.header("x-frame-options")).isEqualTo("DENY");
        assertThat(index.bodyText()).contains("<title>Predictor console</title>");

        RawClient.Response js = get("/console/app.js");
        assertThat(js.header("content-type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(js.header("x-content-type-options")).isEqualTo("nosniff");
        RawClient.Response revalidated = get("/console/app.js", "If-None-Match: " + js.header("etag"));
        assertThat(revalidated.status()).isEqualTo(304);
        assertThat(revalidated.body()).isEmpty();
        assertThat(get("/console/app.css").header("content-type")).isEqualTo("text/css; charset=utf-8");

        RawClient.Response bare = get("/console");
        assertThat(bare.status()).isEqualTo(308);
        assertThat(bare.header("location")).isEqualTo("/console/");
        assertThat(getAs("rebind.evil.example", "/console/").status()).as("the DNS-rebinding guard holds")
                .isEqualTo(403);
        assertThat(get("/api/v1/status").header("content-type")).isEqualTo("application/json; charset=utf-8");
    }
}

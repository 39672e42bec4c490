package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.admin.config.Config;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.admin.testing.TestConfigs;
import io.predictor.core.testing.UploadWhileAnswered;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.routing.SitesFileParser;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control plane end to end: a real admin listener on a free loopback port, a real journal. */
class ControlPlaneTest {

    static final String TOKEN = "ops-token-0123456789abcdef";

    @TempDir
    Path dir;
    final RecordingLog log = new RecordingLog();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    Path sitesFile;
    Path tokens;
    Router router;
    ControlPlane plane;

    @BeforeEach
    void files() throws Exception {
        sitesFile = dir.resolve("sites.txt");
        Files.writeString(sitesFile, "www.example.com migrated g1\nshop.example.com legacy g1\n");
        tokens = dir.resolve("tokens");
        Files.writeString(tokens, "ops " + TOKEN + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        if (plane != null) {
            plane.close();
        }
    }

    ControlPlane start(Config config) throws Exception {
        SiteTable base = SitesFileParser.parse(sitesFile).table();
        router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
        plane = ControlPlane.start(config, router, base, () -> true,
                new ControlPlane.Options(log, log, Clock.systemUTC(), 100, io.predictor.admin.service.DataPlane.NONE));
        return plane;
    }

    ControlPlane start() throws Exception {
        return start(TestConfigs.controlPlane("127.0.0.1", tokens, sitesFile, dir.resolve("state")));
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.adminPort() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    Route route(String host) {
        byte[] b = HostName.normalize(host).getBytes(StandardCharsets.ISO_8859_1);
        return router.route(b, b.length);
    }

    @Test
    void aChangeIsInTheRoutersSnapshotBeforeItsAnswerArrives() throws Exception {
        start();
        SiteState[] cycle = {SiteState.HOLD, SiteState.MIGRATED, SiteState.MAINTENANCE, SiteState.LEGACY};
        for (int k = 0; k < 60; k++) {
            SiteState next = cycle[k % 4];
            HttpResponse<String> r = send("PUT", "/api/v1/sites/shop.example.com",
                    "{\"state\":\"" + next.wireName() + "\"}");
            // checked the moment the answer is in: no waiting, no retry
            assertThat(route("shop.example.com")).isEqualTo(next.route());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
            assertThat(r.body()).isEqualTo("{\"host\":\"shop.example.com\",\"state\":\"" + next.wireName()
                    + "\",\"group\":\"g1\",\"revision\":" + (k + 1) + "}\n");
        }
        HttpResponse<String> g = send("PUT", "/api/v1/groups/g1", "{\"state\":\"maintenance\"}");
        assertThat(route("www.example.com")).isEqualTo(Route.MAINTENANCE);
        assertThat(g.body()).isEqualTo("{\"group\":\"g1\",\"sites\":2,\"revision\":61}\n");
    }

    @Test
    void acknowledgedChangesSurviveARestart() throws Exception {
        start();
        send("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}");
        send("PUT", "/api/v1/sites/new.example.com", "{\"state\":\"maintenance\",\"group\":\"g9\"}");
        send("PUT", "/api/v1/groups/g1", "{\"state\":\"maintenance\"}");
        send("DELETE", "/api/v1/sites/new.example.com", null);
        plane.close();
        plane = null;
        start();
        assertThat(send("GET", "/api/v1/status", null).body()).startsWith("{\"revision\":4,");
        assertThat(route("shop.example.com")).isEqualTo(Route.MAINTENANCE);
        assertThat(route("www.example.com")).isEqualTo(Route.MAINTENANCE);
        assertThat(send("GET", "/api/v1/sites/new.example.com", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/history", null).body()).contains("\"revision\":1,", "\"revision\":4,");
        assertThat(send("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"migrated\"}").body())
                .contains("\"revision\":5}");
    }

    @Test
    void aForeignHostIsRefusedOnTheWire() throws Exception {
        start();
        String answer = raw("GET /api/v1/status HTTP/1.1\r\nHost: rebind.evil.example\r\n\r\n", 1);
        assertThat(answer).startsWith("HTTP/1.1 403 Forbidden").contains("{\"error\":\"forbidden_host\"");
        HttpResponse<String> cors = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + plane.adminPort()
                        + "/api/v1/sites/shop.example.com")).header("Origin", "http://evil.example")
                .header("Authorization", "Bearer " + TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"state\":\"hold\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(cors.statusCode()).isEqualTo(403);
        assertThat(route("shop.example.com")).isEqualTo(Route.LEGACY);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        start();
        StringBuilder reqs = new StringBuilder();
        SiteState[] states = {SiteState.HOLD, SiteState.MAINTENANCE, SiteState.HOLD, SiteState.MIGRATED};
        for (SiteState s : states) {
            String body = "{\"state\":\"" + s.wireName() + "\"}";
            reqs.append("PUT /api/v1/sites/shop.example.com HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ")
                    .append(TOKEN).append("\r\nContent-Length: ").append(body.length()).append("\r\n\r\n").append(body);
            reqs.append("GET /api/v1/sites/shop.example.com HTTP/1.1\r\nHost: localhost\r\n\r\n");
        }
        String answers = raw(reqs.toString(), states.length * 2);
        int at = 0;
        for (int i = 0; i < states.length; i++) {
            for (int twice = 0; twice < 2; twice++) {
                String expected = "\"state\":\"" + states[i].wireName() + "\",\"group\":\"g1\",\"revision\":" + (i + 1);
                int found = answers.indexOf(expected, at);
                assertThat(found).as("answer %d.%d in order in %s", i, twice, answers).isGreaterThanOrEqualTo(at);
                at = found + expected.length();
            }
        }
    }

    @Test
    void anOversizedBodyIsRefusedWithAJsonError() throws Exception {
        start();
        HttpResponse<String> r = send("PUT", "/api/v1/sites/shop.example.com",
                "{\"state\":\"hold\",\"group\":\"" + "x".repeat(70_000) + "\"}");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).startsWith("{\"error\":\"payload_too_large\"");
    }

    /**
     * The client is still sending a body far larger than the limit when the 413 is written. Were
     * the connection closed with those bytes unread, the kernel would answer them with a reset,
     * and a reset can destroy the 413 before the client reads it: the server reads the rest of
     * the body away first (a lingering close) and closes when it ends.
     */
    @Test
    void anOversizedBodyStillBeingSentGetsItsAnswerNotAReset() throws Exception {
        start();
        for (int attempt = 0; attempt < 5; attempt++) {
            try (Socket s = new Socket("127.0.0.1", plane.adminPort())) {
                s.setSoTimeout(10_000);
                byte[] body = "x".repeat(4 << 20).getBytes(StandardCharsets.ISO_8859_1);
                String head = "PUT /api/v1/sites/shop.example.com HTTP/1.1\r\nHost: 127.0.0.1:" + plane.adminPort()
                        + "\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n";
                UploadWhileAnswered.Result r = UploadWhileAnswered.send(s, head, body, Integer.MAX_VALUE); // to the close
                String text = r.answer();
                assertThat(text).startsWith("HTTP/1.1 413").contains("\"error\":\"payload_too_large\"")
                        .containsIgnoringCase("connection: close");
                assertThat(r.writeFailure()).as("the whole body was taken").isNull();
            }
        }
    }

    /**
     * A client that waits for 100 Continue is refused before it sends the body (Netty's own 413,
     * without the JSON error: the aggregator answers the expectation itself).
     */
    @Test
    void anOversizedBodyAwaitingContinueIsRefusedBeforeItIsSent() throws Exception {
        start();
        String text = raw("PUT /api/v1/sites/shop.example.com HTTP/1.1\r\nHost: 127.0.0.1:" + plane.adminPort()
                + "\r\nAuthorization: Bearer " + TOKEN + "\r\nExpect: 100-continue\r\nContent-Length: 4194304\r\n\r\n", 1);
        assertThat(text).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
    }

    @Test
    void sighupReloadKeepsRuntimeChangesAndRefusesAnInvalidFile() throws Exception {
        start();
        send("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}");
        Files.writeString(sitesFile, "www.example.com migrated g1\nshop.example.com legacy g1\nnew.example.com migrated\n");
        assertThat(plane.reload()).isTrue();
        assertThat(route("new.example.com")).isEqualTo(Route.LOCAL);
        assertThat(route("shop.example.com")).isEqualTo(Route.HOLD);
        Files.writeString(sitesFile, "broken\n");
        assertThat(plane.reload()).isFalse();
        assertThat(route("new.example.com")).isEqualTo(Route.LOCAL);
        assertThat(log.eventNames()).contains("sites_reloaded", "sites_reload_refused");
        assertThat(log.audit).extracting(r -> r.who()).containsExactly("ops", "signal:SIGHUP");
    }

    @Test
    void aNonLoopbackBindWithoutATokensFileIsRefused() {
        Config c = TestConfigs.controlPlane("0.0.0.0", null, sitesFile, dir.resolve("state"));
        assertThatThrownBy(() -> start(c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("admin.tokens_file is required");
        assertThat(dir.resolve("state")).doesNotExist();
    }

    /**
     * SPEC §5: mutating calls need a bearer token, 401 without. With no tokens file on a loopback
     * bind, any local user could change the routing (found by review): the admin API is read-only.
     */
    @Test
    void aLoopbackBindWithoutATokensFileIsReadOnly() throws Exception {
        start(TestConfigs.controlPlane("127.0.0.1", null, sitesFile, dir.resolve("state")));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.adminPort()
                + "/api/v1/sites/shop.example.com")).PUT(HttpRequest.BodyPublishers.ofString("{\"state\":\"hold\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("read-only");
        assertThat(route("shop.example.com")).isEqualTo(Route.LEGACY);
        assertThat(log.audit).isEmpty();
        assertThat(log.eventNames()).contains("admin_read_only");
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.adminPort()
                + "/api/v1/sites/shop.example.com")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("reads need no token").isEqualTo(200);
    }

    /**
     * RFC 9112 §9.6: after a request with Connection: close, nothing more on that connection is
     * processed. A PUT pipelined after it was made (and audited) though its answer was never sent.
     */
    @Test
    void aRequestPipelinedAfterConnectionCloseIsNotProcessed() throws Exception {
        start();
        String body = "{\"state\":\"hold\"}";
        String answers = raw("GET /api/v1/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                + "PUT /api/v1/sites/shop.example.com HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body, 2);
        assertThat(answers).startsWith("HTTP/1.1 200").doesNotContain("\"state\":\"hold\"");
        Thread.sleep(300);
        assertThat(route("shop.example.com")).isEqualTo(Route.LEGACY);
        assertThat(log.audit).isEmpty();
    }

    @Test
    void aBusyAdminPortFailsTheStartAndReleasesTheStateDirectory() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Config c = new Config(null, "test", java.util.List.of(), new Config.Admin(
                    new Config.HostPort("127.0.0.1", busy.getLocalPort()), tokens), java.util.Map.of(),
                    new Config.Routing(sitesFile, "legacy", null),
                    new Config.State(Config.StoreKind.FILE, dir.resolve("state"), null), null, null, null);
            assertThatThrownBy(() -> start(c)).isInstanceOf(java.net.BindException.class);
        }
        start();
        assertThat(send("GET", "/healthz", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aMissingTokensFileStopsTheStart() throws Exception {
        Files.delete(tokens);
        assertThatThrownBy(this::start).isInstanceOf(java.io.IOException.class);
    }

    /**
     * Sends {@code request} (one or more requests) and reads until {@code answers} whole answers,
     * each a head and its Content-Length bytes of body, have arrived (or the server closes).
     */
    private String raw(String request, int answers) throws Exception {
        try (Socket s = new Socket("127.0.0.1", plane.adminPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (wholeAnswers(got.toString(StandardCharsets.ISO_8859_1)) < answers) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * How many whole answers {@code s} holds. A head alone does not count: a check that stopped at
     * the first read ending in a newline could stop between a head and its body.
     */
    private static final java.util.regex.Pattern CONTENT_LENGTH =
            java.util.regex.Pattern.compile("(?i)\r\ncontent-length: *(\\d+)");

    private static int wholeAnswers(String s) {
        int n = 0;
        int at = 0;
        while (true) {
            int headEnd = s.indexOf("\r\n\r\n", at);
            if (headEnd < 0) {
                return n;
            }
            java.util.regex.Matcher length = CONTENT_LENGTH.matcher(s.substring(at, headEnd));
            int end = headEnd + 4 + (length.find() ? Integer.parseInt(length.group(1)) : 0);
            if (end > s.length()) {
                return n;
            }
            n++;
            at = end;
        }
    }
}

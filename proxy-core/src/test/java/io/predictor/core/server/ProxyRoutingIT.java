package io.predictor.core.server;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.TestProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Routing end to end: real sockets, WireMock origins "local" and "legacy", a raw HTTP client. */
class ProxyRoutingIT {

    static WireMockServer local;
    static WireMockServer legacy;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        local = origin("local");
        legacy = origin("legacy");
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        b.add("shop.example.org", SiteState.LEGACY, "filer-042");
        b.add("down.example.org", SiteState.MAINTENANCE, "filer-042");
        b.add("localhost", SiteState.MAINTENANCE, null); // for clients that set Host from the URI
        b.add("*.blog.example.net", SiteState.MIGRATED, "filer-007");
        b.add("flip.example.com", SiteState.LEGACY, null);
        proxy = new TestProxy(b.build(), addr(local), addr(legacy));
    }

    static WireMockServer origin(String name) {
        WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        s.start();
        s.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withHeader("X-Origin", name).withBody(name)));
        return s;
    }

    static InetSocketAddress addr(WireMockServer s) {
        return new InetSocketAddress("127.0.0.1", s.port());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        local.stop();
        legacy.stop();
    }

    @BeforeEach
    void clearJournals() {
        local.resetRequests();
        legacy.resetRequests();
    }

    /**
     * A 503 the proxy answers while the client is still sending a large body reaches the client.
     * The JDK's HTTP client gives up on the exchange when its write fails, so a connection closed
     * with the body's bytes unread (the kernel resets it) cost it the answer; the proxy reads the
     * rest of the body away first (a lingering close, as nginx and HAProxy do).
     */
    @Test
    void aMaintenance503ReachesAClientStillSendingItsBody() throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).build();
        byte[] body = new byte[8 << 20];
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + proxy.address().getPort() + "/upload"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("maintenance");
        }
    }

    /**
     * The lingering close is bounded: the client gets its 503 and the end of the proxy's side at
     * once, the proxy still takes its bytes for a while, and once the client has been quiet for
     * {@link ClientConnection#LINGER_QUIET_NANOS} the connection is closed (a write meets a reset).
     */
    @Test
    void aLingeringCloseEndsWhenTheClientGoesQuiet() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.address().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: down.example.org\r\nContent-Length: 104857600\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(new byte[256 * 1024]);
            out.flush();
            byte[] answer = s.getInputStream().readAllBytes(); // the 503, then the proxy's end of sending
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 503");
            out.write(new byte[64 * 1024]); // still read away
            out.flush();
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(ClientConnection.LINGER_QUIET_NANOS) + 1500);
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    out.write(new byte[64 * 1024]);
                    out.flush();
                    Thread.sleep(20);
                }
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void eachStateAndTheDefaultRouteReachTheRightPlace() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            assertThat(c.get("www.example.com", "/").bodyText()).isEqualTo("local");
            assertThat(c.get("shop.example.org", "/").bodyText()).isEqualTo("legacy");
            RawClient.Response m = c.get("down.example.org", "/");
            assertThat(m.status()).isEqualTo(503);
            assertThat(m.header("retry-after")).isEqualTo("120");
            assertThat(m.header("content-type")).startsWith("text/html");
            assertThat(m.bodyText()).contains("maintenance");
            assertThat(c.get("unknown.example", "/").bodyText()).as("default route").isEqualTo("legacy");
        }
        assertThat(local.getAllServeEvents()).hasSize(1);
        assertThat(legacy.getAllServeEvents()).hasSize(2);
    }

    @Test
    void wildcardAndCaseAndPortVariantsMatch() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            assertThat(c.get("a.blog.example.net", "/").bodyText()).isEqualTo("local");
            assertThat(c.get("WWW.Example.COM:8080", "/").bodyText()).isEqualTo("local");
            assertThat(c.get("www.example.com.", "/").bodyText()).isEqualTo("local");
            assertThat(c.get("blog.example.net", "/").bodyText()).as("*.x does not match x").isEqualTo("legacy");
        }
    }

    @Test
    void absoluteFormTargetWinsOverHost() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET http://www.example.com/abs HTTP/1.1\r\nHost: shop.example.org\r\n\r\n");
            assertThat(c.read().bodyText()).isEqualTo("local");
        }
        LoggedRequest r = local.getAllServeEvents().get(0).getRequest();
        assertThat(r.getHeader("Host")).as("the authority replaces Host (RFC 9112 §3.2.2)").isEqualTo("www.example.com");
    }

    @Test
    void requestAfterFlipGoesToLocalOnSameConnection() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            assertThat(c.get("flip.example.com", "/").bodyText()).isEqualTo("legacy");
            proxy.set("flip.example.com", SiteState.MAINTENANCE);
            assertThat(c.get("flip.example.com", "/").status()).isEqualTo(503);
            proxy.set("flip.example.com", SiteState.MIGRATED);
            assertThat(c.get("flip.example.com", "/").bodyText()).isEqualTo("local");
        } finally {
            proxy.set("flip.example.com", SiteState.LEGACY);
        }
    }

    @Test
    void pipelinedRequestsForDifferentSitesComeBackInOrder() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /1 HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
                    + "GET /2 HTTP/1.1\r\nHost: shop.example.org\r\n\r\n"
                    + "GET /3 HTTP/1.1\r\nHost: down.example.org\r\n\r\n"
                    + "GET /4 HTTP/1.1\r\nHost: a.blog.example.net\r\n\r\n");
            assertThat(c.read().bodyText()).isEqualTo("local");
            assertThat(c.read().bodyText()).isEqualTo("legacy");
            assertThat(c.read().status()).isEqualTo(503);
            assertThat(c.read().bodyText()).isEqualTo("local");
        }
        assertThat(local.getAllServeEvents()).extracting(e -> e.getRequest().getUrl()).containsExactlyInAnyOrder("/1", "/4");
        assertThat(legacy.getAllServeEvents()).extracting(e -> e.getRequest().getUrl()).containsExactly("/2");
    }

    @Test
    void forwardingHeadersAreSetAndHopByHopRemoved() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /h HTTP/1.1\r\nHost: www.example.com\r\nX-Forwarded-For: 6.6.6.6\r\n"
                    + "X-Forwarded-Proto: https\r\nVia: 1.1 other-proxy\r\nConnection: keep-alive, X-Secret\r\n"
                    + "X-Secret: drop me\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Kept: yes\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        LoggedRequest r = local.getAllServeEvents().get(0).getRequest();
        assertThat(r.getHeader("Host")).isEqualTo("www.example.com");
        assertThat(r.getHeader("X-Forwarded-For")).as("replaced, peer not trusted").isEqualTo("127.0.0.1");
        assertThat(r.getHeader("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(r.getHeader("X-Forwarded-Host")).isEqualTo("www.example.com");
        assertThat(r.getHeader("Via")).isEqualTo("1.1 other-proxy, 1.1 " + TestProxy.INSTANCE + " (predictor local)");
        assertThat(r.getHeader("X-Kept")).isEqualTo("yes");
        assertThat(r.containsHeader("X-Secret")).isFalse();
        assertThat(r.containsHeader("Keep-Alive")).isFalse();
        assertThat(r.containsHeader("TE")).isFalse();
    }

    /**
     * SPEC §6: predictors on both sides, the old side forwarding a site it has as migrated to the
     * new side, whose table has it as legacy (the tables out of step): the new side would send it
     * straight back across. It answers 508 itself; before, it forwarded it, and only the first
     * predictor refused it when it came back (A→B→A; found by a review against SPEC).
     */
    @Test
    void aRequestAnotherPredictorForwardedByAnotherRouteGets508() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /back HTTP/1.1\r\nHost: shop.example.com\r\nVia: 1.1 pred-a (predictor local)\r\n\r\n");
            assertThat(c.read().status()).as("shop is legacy here: it would go back across").isEqualTo(508);
            c.send("GET /here HTTP/1.1\r\nHost: www.example.com\r\nVia: 1.1 pred-a (predictor local)\r\n\r\n");
            assertThat(c.read().status()).as("www is migrated here too: served on this side").isEqualTo(200);
        }
        assertThat(legacy.getAllServeEvents()).isEmpty();
        assertThat(local.getAllServeEvents()).extracting(e -> e.getRequest().getUrl()).containsExactly("/here");
    }

    @Test
    void requestThatAlreadyPassedThisProxyGets508() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET / HTTP/1.1\r\nHost: www.example.com\r\nVia: 1.1 " + TestProxy.INSTANCE + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(508);
        }
        assertThat(local.getAllServeEvents()).isEmpty();
    }

    @Test
    void bodiesPassWithContentLengthAndChunkedFraming() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("POST /cl HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 11\r\n\r\nhello world");
            assertThat(c.read().bodyText()).isEqualTo("local");
            c.send("POST /chunked HTTP/1.1\r\nHost: www.example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            assertThat(c.read().bodyText()).isEqualTo("local");
        }
        List<String> bodies = local.getAllServeEvents().stream().map(e -> e.getRequest().getBodyAsString()).toList();
        assertThat(bodies).containsExactlyInAnyOrder("hello world", "hello world");
    }

    @Test
    void http10ClientIsAnsweredAndClosed() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /old HTTP/1.0\r\nHost: shop.example.org\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.bodyText()).isEqualTo("legacy");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void malformedRequestsGetTheirStatusAndNothingReachesAnOrigin() throws Exception {
        String[][] cases = {
            {"GET / HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
            {"GET / HTTP/1.1\r\n\r\n", "400"},
            {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400"},
            {"GET / HTTP/1.1\r\nHost : www.example.com\r\n\r\n", "400"},
            {"GET / HTTP/1.1\r\nHost: www.example.com\r\nX: a\r\n b\r\n\r\n", "400"},
            {"GET / HTTP/2.0\r\nHost: www.example.com\r\n\r\n", "505"},
            {"GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: www.example.com\r\n\r\n", "414"},
            {"GET / HTTP/1.1\r\nHost: www.example.com\r\nX: " + "a".repeat(17000) + "\r\n\r\n", "431"},
            {"GET / HTTP/1.1\r\nHost: bad host\r\n\r\n", "400"},
        };
        for (String[] c : cases) {
            try (RawClient client = new RawClient(proxy.address())) {
                client.send(c[0]);
                assertThat(client.read().status()).as(c[0].substring(0, Math.min(60, c[0].length()))).isEqualTo(Integer.parseInt(c[1]));
            }
        }
        assertThat(local.getAllServeEvents()).isEmpty();
        assertThat(legacy.getAllServeEvents()).isEmpty();
    }
}

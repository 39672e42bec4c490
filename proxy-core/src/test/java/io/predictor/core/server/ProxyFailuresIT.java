package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.server.ProxySettings;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the client gets when origins refuse, hang, reset or speak the rarer parts of HTTP/1.1. */
class ProxyFailuresIT {

    private static SiteTable sites() {
        SiteTable.Builder b = new SiteTable.Builder(4, 256, 0, 0);
        b.add("new.example.com", SiteState.MIGRATED, null);
        b.add("old.example.com", SiteState.LEGACY, null);
        return b.build();
    }

    private static InetSocketAddress closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
    }

    private static ProxySettings withResponseTimeout(long millis) {
        return TestProxy.settings().withUpstreamResponseTimeout(millis);
    }

    @Test
    void refusedOriginGives502AndTheConnectionStaysUsable() throws Exception {
        try (RawOrigin legacy = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nlegacy");
                });
                TestProxy proxy = new TestProxy(sites(), closedPort(), legacy.address());
                RawClient c = new RawClient(proxy.address())) {
            RawClient.Response r = c.get("new.example.com", "/");
            assertThat(r.status()).isEqualTo(502);
            assertThat(c.get("old.example.com", "/").bodyText()).isEqualTo("legacy");
        }
    }

    @Test
    void hangingOriginGives504OnTime() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (RawOrigin hanging = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    release.await(10, TimeUnit.SECONDS);
                });
                TestProxy proxy = new TestProxy(sites(), hanging.address(), hanging.address(),
                        withResponseTimeout(300), ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            long start = System.nanoTime();
            assertThat(c.get("new.example.com", "/").status()).isEqualTo(504);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMs).isBetween(250L, 5000L);
        } finally {
            release.countDown();
        }
    }

    @Test
    void originResetMidResponseClosesTheClient() throws Exception {
        try (RawOrigin resetting = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
                    s.setSoLinger(true, 0);
                });
                TestProxy proxy = new TestProxy(sites(), resetting.address(), resetting.address());
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET / HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            InputStream in = c.input();
            byte[] all = in.readAllBytes(); // ends when the proxy closes
            assertThat(new String(all)).startsWith("HTTP/1.1 200 OK").contains("only part");
        }
    }

    /**
     * A response without Content-Length or chunked framing ends only when the origin closes; the
     * client can tell where it ends only by the close, so the proxy closes it then — not 10 s
     * later, when the wait for a next request head (timeouts.request_headers here) runs out.
     */
    @Test
    void aBodyThatEndsAtTheOriginsCloseEndsTheClientConnection() throws Exception {
        try (RawOrigin untilClose = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe whole body");
                });
                TestProxy proxy = new TestProxy(sites(), untilClose.address(), untilClose.address());
                RawClient c = new RawClient(proxy.address())) {
            long start = System.nanoTime();
            c.send("GET / HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            String all = new String(c.input().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(all).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("\r\nconnection: close\r\n")
                    .endsWith("\r\n\r\nthe whole body");
            assertThat(tookMs).as("closed when the body ended").isLessThan(5000);
        }
    }

    @Test
    void invalidResponseGives502() throws Exception {
        try (RawOrigin broken = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello");
                });
                TestProxy proxy = new TestProxy(sites(), broken.address(), broken.address());
                RawClient c = new RawClient(proxy.address())) {
            assertThat(c.get("new.example.com", "/").status()).isEqualTo(502);
        }
    }

    @Test
    void expectContinueWorksEndToEnd() throws Exception {
        try (RawOrigin origin = new RawOrigin(s -> {
                    InputStream in = s.getInputStream();
                    String head = RawOrigin.readHead(in);
                    if (!head.toLowerCase().contains("expect: 100-continue")) {
                        RawOrigin.write(s, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
                        return;
                    }
                    RawOrigin.write(s, "HTTP/1.1 100 Continue\r\n\r\n");
                    String body = new String(in.readNBytes(5));
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address());
                RawClient c = new RawClient(proxy.address())) {
            c.send("PUT /up HTTP/1.1\r\nHost: new.example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(100);
            c.send("hello");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello");
        }
    }

    @Test
    void webSocketUpgradeIsRelayedBothWays() throws Exception {
        try (RawOrigin origin = new RawOrigin(s -> {
                    InputStream in = s.getInputStream();
                    String head = RawOrigin.readHead(in);
                    if (!head.contains("Upgrade: websocket") || !head.contains("Connection: upgrade")) {
                        RawOrigin.write(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                        return;
                    }
                    RawOrigin.write(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
                    byte[] ping = in.readNBytes(4);
                    s.getOutputStream().write(("echo:" + new String(ping)).getBytes());
                    s.getOutputStream().flush();
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address());
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /ws HTTP/1.1\r\nHost: new.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("upgrade")).isEqualTo("websocket");
            c.send("ping");
            assertThat(new String(c.input().readNBytes(9))).isEqualTo("echo:ping");
        }
    }

    @Test
    void h2cUpgradeIsNeverPassedOn() throws Exception {
        try (RawOrigin origin = new RawOrigin(s -> {
                    String head = RawOrigin.readHead(s.getInputStream());
                    String verdict = head.toLowerCase().contains("upgrade") || head.contains("HTTP2-Settings") ? "leaked" : "clean";
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + verdict.length() + "\r\n\r\n" + verdict);
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address());
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET / HTTP/1.1\r\nHost: new.example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
            assertThat(c.read().bodyText()).isEqualTo("clean");
        }
    }

    @Test
    void keptAliveOriginConnectionIsReusedAndAStaleOneIsRetried() throws Exception {
        java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
        try (RawOrigin origin = new RawOrigin(s -> {
                    // answers one request per connection with keep-alive, then closes: the proxy
                    // must notice (or retry on a fresh connection) without the client seeing an error
                    RawOrigin.readHead(s.getInputStream());
                    String body = "n" + served.incrementAndGet();
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                    Thread.sleep(50);
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address());
                RawClient c = new RawClient(proxy.address())) {
            for (int i = 0; i < 5; i++) {
                RawClient.Response r = c.get("new.example.com", "/" + i);
                assertThat(r.status()).isEqualTo(200);
            }
            assertThat(served.get()).isEqualTo(5);
        }
    }

    @Test
    void slowlorisHeadIsCutOffByTheRequestHeadersTimeout() throws Exception {
        ProxySettings quick = TestProxy.settings().withRequestHeadersTimeout(300);
        try (RawOrigin origin = new RawOrigin(s -> { });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address(), quick, ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET / HTTP/1.1\r\nHost: new.exa");
            long start = System.nanoTime();
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3000);
            assertThat(c.closedByPeer()).isTrue();
        }
    }
}

package io.predictor.core.server;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.predictor.core.http.Failure;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.tls.CertificateStore;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@link Http2Frontend.Connection} does for its streams itself: the timeouts, which one timer
 * per connection keeps for the connection and all of its streams ({@code timeouts.upstream_response}
 * answers one stream 504 and the others go on; {@code timeouts.idle} closes a connection without
 * streams; the access log's fields), and flow control both ways with responses and uploads many
 * times the 64 KiB window, on several streams at once.
 */
class Http2FrontendIT {

    static WireMockServer origin;
    /** timeouts.idle and timeouts.upstream_response of 2 s (the timeout tests). */
    static TestProxy proxy;
    /** The test proxy's usual timeouts (flow control: the origin may be slow on a busy machine). */
    static TestProxy roomy;
    static InetSocketAddress roomyTls;
    static TestCertificates certs;
    static CertificateStore store;
    static InetSocketAddress tls;
    static final LinkedBlockingQueue<String> completed = new LinkedBlockingQueue<>();
    static final byte[] BIG = new byte[3 * 1024 * 1024 + 17];

    static {
        for (int i = 0; i < BIG.length; i++) {
            BIG[i] = (byte) ('a' + (i * 7) % 26);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        origin = ProxyRoutingIT.origin("local");
        origin.stubFor(get(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(8_000)));
        origin.stubFor(get(urlEqualTo("/big")).willReturn(aResponse().withStatus(200).withBody(BIG)));
        // a first request wakes the origin up (its first answer may take longer than the timeout below)
        HttpURLConnection warm = (HttpURLConnection) new URL("http://127.0.0.1:" + origin.port() + "/").openConnection();
        assertThat(warm.getResponseCode()).isEqualTo(200);
        warm.disconnect();
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        ExchangeListener log = new ExchangeListener() {
            @Override
            public void started(ExchangeInfo exchange) {
            }

            @Override
            public void completed(ExchangeInfo e, long endNanos) {
                completed.add(e.method() + " " + e.target() + " " + e.status() + " " + e.failure());
            }
        };
        proxy = new TestProxy(b.build(), ProxyRoutingIT.addr(origin), ProxyRoutingIT.addr(origin),
                settings(), ExchangeListener.NONE);
        certs = new TestCertificates("Predictor Test CA");
        Path dir = TestCertificates.newDirectory("h2-timeouts-it");
        certs.writePair(dir, "example", "www.example.com");
        store = TestCertificates.quietStore(dir);
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), log, store);
        roomy = new TestProxy(b.build(), ProxyRoutingIT.addr(origin), ProxyRoutingIT.addr(origin));
        roomyTls = roomy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0),
                a -> false), roomy.router(), ExchangeListener.NONE, store);
    }

    /** idle 2 s, upstream_response 2 s; the rest as every test proxy has it. */
    private static ProxySettings settings() {
        ProxySettings s = TestProxy.settings();
        return new ProxySettings(s.instance(), s.eventLoops(), s.transport(), s.connectTimeoutMillis(),
                s.requestHeadersTimeoutMillis(), 2_000, 2_000, s.holdTimeoutMillis(), s.drainTimeoutMillis(),
                s.maxHeaderSize(), s.maxHeaders(), s.maxConnections(), s.previewSuffix(), s.allocator());
    }

    @AfterAll
    static void stop() {
        store.close();
        proxy.close();
        roomy.close();
        origin.stop();
    }

    @Test
    void aSlowOriginGets504OnItsStreamAndTheConnectionServesOn() throws Exception {
        completed.clear();
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            long t0 = System.nanoTime();
            H2Client.Response slow = h2.get("/slow");
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(slow.status()).isEqualTo(504);
            assertThat(tookMillis).as("timeouts.upstream_response, not the origin's delay").isBetween(1_900L, 7_000L);
            assertThat(h2.get("/fast").status()).as("the same connection").isEqualTo(200);
            assertThat(h2.channel().isActive()).isTrue();
        }
        assertThat(completed.poll(5, TimeUnit.SECONDS)).isEqualTo("GET /slow 504 " + Failure.RESPONSE_TIMEOUT);
        assertThat(completed.poll(5, TimeUnit.SECONDS)).isEqualTo("GET /fast 200 null");
    }

    @Test
    void responsesAndUploadsManyWindowsLongCrossOnSeveralStreamsAtOnce() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), roomyTls, "www.example.com")) {
            List<CompletableFuture<H2Client.Response>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                all.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return h2.get("/big");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            H2Client.Response upload = h2.request(h2.headers("POST", "/upload"), BIG);
            assertThat(upload.status()).isEqualTo(200);
            for (CompletableFuture<H2Client.Response> f : all) {
                H2Client.Response r = f.get(30, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(BIG);
            }
        }
        byte[] got = origin.getAllServeEvents().stream().map(e -> e.getRequest())
                .filter(r -> r.getUrl().equals("/upload")).findFirst().orElseThrow().getBody();
        assertThat(got).isEqualTo(BIG);
    }

    @Test
    void aConnectionWithoutStreamsIsClosedAfterTheIdleTimeout() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            assertThat(h2.get("/").status()).isEqualTo(200);
            long t0 = System.nanoTime();
            assertThat(h2.channel().closeFuture().await(8, TimeUnit.SECONDS)).as("closed by the proxy").isTrue();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(tookMillis).as("timeouts.idle").isBetween(1_500L, 7_000L);
            // GOAWAY(NO_ERROR) naming the last stream it took first: a request the client sent
            // as the proxy closed is known unprocessed, and safe to retry (RFC 9113 §6.8)
            assertThat(h2.goAwaysReceived()).as("GOAWAY before the close")
                    .containsExactly(new H2Client.GoAway(h2.lastStreamId(), 0));
        }
    }

    /** CONNECT is answered 501, as on HTTP/1.1: downgraded, an origin's 2xx would open a tunnel framed as a response. */
    @Test
    void connectIsNotImplemented() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), roomyTls, "www.example.com")) {
            assertThat(h2.request(h2.headers("CONNECT", "/"), null).status()).isEqualTo(501);
            assertThat(h2.get("/").status()).as("the connection serves on").isEqualTo(200);
        }
    }
}

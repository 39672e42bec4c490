package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.tls.CertificateStore;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request the legacy origin has whole and is still processing when its client leaves (a reset,
 * a cancelled HTTP/2 stream) or when the proxy gives up on it (504): it stays in flight for the
 * drain barrier until the origin answers ({@link OrphanedExchange}), at most
 * {@code timeouts.upstream_response} more, and a barrier's close cuts it. Before (found by
 * review), it left the in-flight list at once and the barrier said drained while the old side
 * was still about to commit the write.
 */
class OrphanedExchangeIT {

    static final String SITE = "www.example.com";

    /** The origin has a whole request, and works on it until the test lets it answer. */
    final Semaphore received = new Semaphore(0);
    final Semaphore answer = new Semaphore(0);
    final CountDownLatch originSawClose = new CountDownLatch(1);
    RawOrigin legacy;
    TestProxy proxy;

    @BeforeEach
    void start() throws Exception {
        legacy = new RawOrigin(s -> {
            InputStream in = s.getInputStream();
            String head;
            while ((head = RawOrigin.readHead(in)) != null) {
                int len = Integer.parseInt(head.replaceAll("(?s).*(?i:content-length): (\\d+).*", "$1"));
                in.readNBytes(len);
                received.release();
                while (!answer.tryAcquire(20, TimeUnit.MILLISECONDS)) {
                    if (s.getInputStream().available() == 0 && closedByPeer(s)) {
                        originSawClose.countDown();
                        return;
                    }
                }
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
        SiteTable.Builder b = new SiteTable.Builder(4, 256, 0, 0);
        b.add(SITE, SiteState.LEGACY, "filer-1");
        ProxySettings s = TestProxy.settings();
        ProxySettings settings = new ProxySettings(s.instance(), s.eventLoops(), s.transport(), s.connectTimeoutMillis(),
                s.requestHeadersTimeoutMillis(), s.idleTimeoutMillis(), 1_500, s.holdTimeoutMillis(),
                s.drainTimeoutMillis(), s.maxHeaderSize(), s.maxHeaders(), s.maxConnections(), s.previewSuffix(),
                s.allocator());
        proxy = new TestProxy(b.build(), legacy.address(), legacy.address(), settings, ExchangeListener.NONE);
    }

    @AfterEach
    void stop() throws Exception {
        answer.release(100);
        proxy.close();
        legacy.close();
    }

    /** Whether the proxy closed the connection (a read with a short timeout says EOF). */
    private static boolean closedByPeer(Socket s) throws Exception {
        int old = s.getSoTimeout();
        s.setSoTimeout(1);
        try {
            return s.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException open) {
            return false;
        } finally {
            s.setSoTimeout(old);
        }
    }

    private int legacyInflight() {
        // as the barrier of the next change would count it
        long next = proxy.router().current().revision() + 1;
        return proxy.server().inflight(next, SiteMatcher.host(SITE)).join().legacy();
    }

    private void awaitLegacyInflight(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (legacyInflight() != n) {
            assertThat(System.nanoTime()).as("in flight to legacy: %d", n).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** A POST the origin has whole, then the client's connection is reset (SO_LINGER 0). */
    private void postThenReset() throws Exception {
        Socket socket = new Socket();
        socket.connect(proxy.address(), 5000);
        socket.setSoLinger(true, 0);
        try (RawClient c = new RawClient(socket)) {
            c.send("POST /order HTTP/1.1\r\nHost: " + SITE + "\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(received.tryAcquire(5, TimeUnit.SECONDS)).as("the origin has the POST").isTrue();
        }
    }

    @Test
    void aPostWhoseClientResetTheConnectionIsInFlightUntilTheOriginAnswers() throws Exception {
        postThenReset();
        Thread.sleep(300); // the proxy has seen the reset
        assertThat(legacyInflight()).as("the old side is still processing it").isEqualTo(1);
        answer.release();
        awaitLegacyInflight(0);
    }

    @Test
    void aPostWhoseHttp2StreamTheClientCancelledIsInFlightUntilTheOriginAnswers() throws Exception {
        TestCertificates certs = new TestCertificates("orphan CA");
        Path dir = TestCertificates.newDirectory("orphan-h2");
        certs.writePair(dir, "example", SITE);
        try (CertificateStore store = TestCertificates.quietStore(dir)) {
            InetSocketAddress tls = proxy.server().bindTls(new ListenerSettings("https",
                    new InetSocketAddress("127.0.0.1", 0), a -> false), proxy.router(), ExchangeListener.NONE, store);
            try (H2Client h2 = new H2Client(certs.ca(), tls, SITE)) {
                Http2StreamChannel stream = new Http2StreamChannelBootstrap(h2.channel())
                        .handler(new ChannelInboundHandlerAdapter()).open().sync().getNow();
                stream.write(new DefaultHttp2HeadersFrame(h2.headers("POST", "/order").set("content-length", "5"), false));
                stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII),
                        true));
                assertThat(received.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
                stream.close().sync(); // RST_STREAM(CANCEL): the user navigated away
                Thread.sleep(300);
                assertThat(legacyInflight()).as("the old side is still processing it").isEqualTo(1);
                answer.release();
                awaitLegacyInflight(0);
            }
        }
    }

    @Test
    void aBarriersCloseCutsAnOrphan() throws Exception {
        postThenReset();
        Thread.sleep(300);
        long next = proxy.router().current().revision() + 1;
        int closed = proxy.server().closeInflight(next, SiteMatcher.host(SITE)).get(5, TimeUnit.SECONDS);
        assertThat(closed).isEqualTo(1);
        assertThat(legacyInflight()).isZero();
        assertThat(originSawClose.await(5, TimeUnit.SECONDS)).as("its origin connection closed").isTrue();
    }

    @Test
    void anOrphanWhoseOriginNeverAnswersIsDroppedAfterTheResponseTimeout() throws Exception {
        postThenReset();
        long t0 = System.nanoTime();
        Thread.sleep(300);
        assertThat(legacyInflight()).isEqualTo(1);
        awaitLegacyInflight(0); // timeouts.upstream_response (1.5 s here) after the client left
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(1_000L, 8_000L);
        assertThat(originSawClose.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRequestThe504GaveUpOnIsInFlightUntilTheOriginAnswers() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("POST /order HTTP/1.1\r\nHost: " + SITE + "\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(received.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
            assertThat(c.read().status()).as("timeouts.upstream_response").isEqualTo(504);
            assertThat(legacyInflight()).as("the old side is still processing it").isEqualTo(1);
            answer.release();
            awaitLegacyInflight(0);
        }
    }
}

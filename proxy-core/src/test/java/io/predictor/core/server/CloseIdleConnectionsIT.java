package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.tls.CertificateStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProxyServer#closeIdleConnections}, what the heap guard calls when the heap is nearly
 * full: every client connection without an exchange in flight is closed, over HTTP/1 and HTTP/2;
 * a request on its way in, one waiting for the origin, and an HTTP/2 stream are not touched and
 * are answered.
 */
class CloseIdleConnectionsIT {

    RawOrigin origin;
    TestProxy proxy;
    CertificateStore store;
    TestCertificates certs;
    InetSocketAddress tls;
    /** Released once per slow request the origin may answer. */
    final Semaphore slowAnswers = new Semaphore(0);
    /** Counted down as each slow request reaches the origin. */
    final CountDownLatch slowArrived = new CountDownLatch(2);
    /** Counted down as the origin has written an answer to "/sized/N". */
    final CountDownLatch sizedAnswered = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        origin = new RawOrigin(this::serve);
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        proxy = new TestProxy(b.build(), origin.address(), origin.address());
        certs = new TestCertificates("Predictor Test CA");
        Path dir = TestCertificates.newDirectory("close-idle-it");
        certs.writePair(dir, "example", "www.example.com");
        store = TestCertificates.quietStore(dir);
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), ExchangeListener.NONE, store);
    }

    @AfterEach
    void stop() throws Exception {
        slowAnswers.release(100);
        store.close();
        proxy.close();
        origin.close();
    }

    @Test
    void closesEveryConnectionWithoutAnExchangeAndAnswersTheOthers() throws Exception {
        try (RawClient fresh = new RawClient(proxy.address());
                RawClient keptAlive = new RawClient(proxy.address());
                RawClient partial = new RawClient(proxy.address());
                RawClient waiting = new RawClient(proxy.address());
                H2Client h2Idle = new H2Client(certs.ca(), tls, "www.example.com");
                H2Client h2Busy = new H2Client(certs.ca(), tls, "www.example.com")) {
            assertThat(keptAlive.get("www.example.com", "/a").status()).isEqualTo(200);
            assertThat(h2Idle.get("/b").status()).isEqualTo(200);
            partial.send("GET /c HTTP/1.1\r\nHost: www.exa");
            waiting.send("GET /slow HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
            CompletableFuture<H2Client.Response> stream = CompletableFuture.supplyAsync(() -> {
                try {
                    return h2Busy.get("/slow");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(slowArrived.await(10, TimeUnit.SECONDS)).as("both slow requests at the origin").isTrue();
            awaitOpen(6);
            // nothing tells when the proxy has read the partial head's bytes: give it a moment
            Thread.sleep(200);

            int closed = proxy.server().closeIdleConnections().get(5, TimeUnit.SECONDS);

            assertThat(closed).as("the fresh, the kept-alive and the idle HTTP/2 connection").isEqualTo(3);
            assertThat(fresh.closedByPeer()).isTrue();
            assertThat(keptAlive.closedByPeer()).isTrue();
            assertThat(h2Idle.channel().closeFuture().await(5, TimeUnit.SECONDS)).as("GOAWAY, then closed").isTrue();
            assertThat(h2Idle.goAwaysReceived()).as("GOAWAY before the close")
                    .containsExactly(new H2Client.GoAway(h2Idle.lastStreamId(), 0));

            slowAnswers.release(2);
            assertThat(waiting.read().bodyText()).isEqualTo("slow /slow");
            assertThat(stream.get(10, TimeUnit.SECONDS).bodyText()).isEqualTo("slow /slow");
            partial.send("mple.com\r\n\r\n");
            assertThat(partial.read().bodyText()).isEqualTo("ok /c");
            assertThat(h2Busy.get("/d").bodyText()).as("the HTTP/2 connection goes on").isEqualTo("ok /d");
            assertThat(waiting.get("www.example.com", "/e").bodyText()).as("kept alive after").isEqualTo("ok /e");
        }
        try (RawClient next = new RawClient(proxy.address())) {
            assertThat(next.get("www.example.com", "/f").bodyText()).as("new connections are taken").isEqualTo("ok /f");
        }
    }

    @Test
    void manyAreClosedABatchAPassOfTheLoopAndAllCounted() throws Exception {
        int n = 3 * ProxyServer.CLOSE_BATCH + 5;
        List<RawClient> idle = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                idle.add(new RawClient(proxy.address()));
            }
            awaitOpen(n);
            assertThat(proxy.server().closeIdleConnections().get(10, TimeUnit.SECONDS)).isEqualTo(n);
            for (RawClient c : idle) {
                assertThat(c.closedByPeer()).isTrue();
            }
        } finally {
            for (RawClient c : idle) {
                c.close();
            }
        }
    }

    /**
     * The close comes after the last response is written. On loopback this passes with a plain
     * {@code ctx.close()} as well (tried up to 120 KB): the kernel takes the whole tail, so nothing
     * is left in Netty's buffer to drop. Where the kernel's buffers are smaller than the tail,
     * only the close after the write ({@code closeNow}) keeps it.
     */
    @Test
    void theEndOfTheLastResponseIsWrittenBeforeTheClose() throws Exception {
        int size = 60_000; // under Netty's write-buffer high-water mark: read whole from the origin
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(4096); // and the client reads nothing yet: most of it waits in the proxy
            client.connect(proxy.address(), 5000);
            client.setSoTimeout(15_000);
            client.getOutputStream().write(("GET /sized/" + size + " HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertThat(sizedAnswered.await(10, TimeUnit.SECONDS)).as("the origin answered").isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (inflight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(inflight()).as("the exchange is over: the connection is idle").isZero();

            assertThat(proxy.server().closeIdleConnections().get(5, TimeUnit.SECONDS)).isEqualTo(1);

            byte[] got = client.getInputStream().readAllBytes(); // to the proxy's close
            String text = new String(got, StandardCharsets.ISO_8859_1);
            int bodyStart = text.indexOf("\r\n\r\n") + 4;
            assertThat(text).startsWith("HTTP/1.1 200 ");
            assertThat(got.length - bodyStart).as("the whole body, then the close").isEqualTo(size);
        }
    }

    private int inflight() throws Exception {
        return proxy.server().inflightByRoute().get(5, TimeUnit.SECONDS).values().stream().mapToInt(Integer::intValue).sum();
    }

    @Test
    void withNothingIdleNothingIsClosed() throws Exception {
        assertThat(proxy.server().closeIdleConnections().get(5, TimeUnit.SECONDS)).isZero();
        try (RawClient waiting = new RawClient(proxy.address())) {
            waiting.send("GET /slow HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
            assertThat(awaitSlow(1)).as("the slow request at the origin").isTrue();
            assertThat(proxy.server().closeIdleConnections().get(5, TimeUnit.SECONDS)).isZero();
            slowAnswers.release();
            assertThat(waiting.read().status()).isEqualTo(200);
        }
    }

    private boolean awaitSlow(long left) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (slowArrived.getCount() > left && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return slowArrived.getCount() == left;
    }

    private void awaitOpen(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (proxy.server().openConnections() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(proxy.server().openConnections()).isEqualTo(n);
    }

    /** "/slow" waits for a permit, anything else is answered at once; the body names the path. */
    private void serve(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        String head;
        while ((head = RawOrigin.readHead(in)) != null) {
            String path = head.substring(0, head.indexOf('\r')).split(" ")[1];
            String body;
            if (path.startsWith("/sized/")) {
                body = "x".repeat(Integer.parseInt(path.substring(7)));
            } else if (path.equals("/slow")) {
                slowArrived.countDown();
                if (!slowAnswers.tryAcquire(20, TimeUnit.SECONDS)) {
                    return;
                }
                body = "slow " + path;
            } else {
                body = "ok " + path;
            }
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (path.startsWith("/sized/")) {
                sizedAnswered.countDown();
            }
        }
    }
}

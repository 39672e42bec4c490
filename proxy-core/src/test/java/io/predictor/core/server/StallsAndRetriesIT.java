package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.ChildProxy;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries of unanswered idempotent requests, stalls in both directions, and a slow reader's memory. */
class StallsAndRetriesIT {

    private static SiteTable sites() {
        SiteTable.Builder b = new SiteTable.Builder(2, 64, 0, 0);
        b.add("new.example.com", SiteState.MIGRATED, null);
        b.add("migrated.test", SiteState.MIGRATED, null);
        return b.build();
    }

    private static ProxySettings quickIdle() {
        ProxySettings d = TestProxy.settings();
        return new ProxySettings(d.instance(), 1, "auto", d.connectTimeoutMillis(), d.requestHeadersTimeoutMillis(),
                400, d.upstreamResponseTimeoutMillis(), d.holdTimeoutMillis(), d.drainTimeoutMillis(), d.maxHeaderSize(),
                d.maxHeaders(), d.maxConnections(), d.previewSuffix());
    }

    @Test
    void unansweredIdempotentRequestIsRetriedOnAnotherServerButAPostIsNot() throws Exception {
        AtomicInteger dropped = new AtomicInteger();
        try (RawOrigin dropping = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    dropped.incrementAndGet(); // reads the request, answers nothing, closes
                });
                RawOrigin good = new RawOrigin(s -> {
                    while (RawOrigin.readHead(s.getInputStream()) != null) {
                        RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood");
                    }
                });
                TestProxy proxy = new TestProxy(sites(),
                        new PoolSettings("local", List.of(dropping.address(), good.address()), PoolSettings.Balance.ROUND_ROBIN),
                        new PoolSettings("legacy", List.of(good.address()), PoolSettings.Balance.ROUND_ROBIN),
                        TestProxy.settings(), ExchangeListener.NONE)) {
            // the POSTs first: three failures in a row eject the dropping server (passive ejection)
            int refused = 0;
            for (int i = 0; i < 4; i++) {
                try (RawClient c = new RawClient(proxy.address())) {
                    c.send("POST /order HTTP/1.1\r\nHost: new.example.com\r\nContent-Length: 0\r\n\r\n");
                    if (c.read().status() == 502) {
                        refused++;
                    }
                }
            }
            assertThat(dropped.get()).as("POSTs reached the dropping server").isPositive();
            assertThat(refused).as("a POST is never sent twice").isEqualTo(dropped.get());
            int before = dropped.get();
            int okGets = 0;
            for (int i = 0; i < 4; i++) {
                try (RawClient c = new RawClient(proxy.address())) {
                    if (c.get("new.example.com", "/").bodyText().equals("good")) {
                        okGets++;
                    }
                }
            }
            assertThat(okGets).as("every GET answered, dropped ones retried elsewhere").isEqualTo(4);
            assertThat(dropped.get() - before).as("the dropping server did get some GETs").isPositive();
        }
    }

    @Test
    void clientThatStopsReadingIsClosedAfterTheIdleTimeout() throws Exception {
        CountDownLatch originDone = new CountDownLatch(1);
        try (RawOrigin big = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n".getBytes());
                    byte[] chunk = new byte[65536];
                    try {
                        for (int i = 0; i < 16384; i++) {
                            out.write(chunk);
                        }
                    } finally {
                        originDone.countDown();
                    }
                });
                TestProxy proxy = new TestProxy(sites(), big.address(), big.address(), quickIdle(), ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /big HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            c.input().readNBytes(1000); // then never read again
            assertThat(originDone.await(10, TimeUnit.SECONDS)).as("the origin connection was cut too").isTrue();
        }
    }

    @Test
    void originThatStallsMidBodyClosesTheClient() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (RawOrigin stalling = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst part");
                    release.await(10, TimeUnit.SECONDS);
                });
                TestProxy proxy = new TestProxy(sites(), stalling.address(), stalling.address(), quickIdle(),
                        ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET / HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            long start = System.nanoTime();
            byte[] all = c.input().readAllBytes();
            assertThat(new String(all)).contains("first part");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
        } finally {
            release.countDown();
        }
    }

    @Test
    void slowReaderOfOneGibKeepsTheProxysMemoryFlat() throws Exception {
        long gib = 1L << 30;
        try (RawOrigin origin = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + gib + "\r\n\r\n").getBytes());
                    byte[] chunk = new byte[65536];
                    for (long sent = 0; sent < gib; sent += chunk.length) {
                        out.write(chunk);
                    }
                });
                ChildProxy proxy = new ChildProxy(origin.address().getPort(), origin.address().getPort(),
                        "-Xmx64m", "-XX:MaxDirectMemorySize=64m", "-Dio.netty.leakDetection.level=disabled");
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /big HTTP/1.1\r\nHost: migrated.test\r\n\r\n");
            InputStream in = c.input();
            RawOrigin.readHead(in);
            byte[] buf = new byte[256 * 1024];
            long read = 0;
            long baseline = -1;
            long peak = 0;
            long nextSample = 0;
            while (read < gib) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, gib - read));
                assertThat(n).isPositive();
                read += n;
                Thread.sleep(1); // read far slower than the origin writes: the proxy must hold it back
                if (read >= nextSample) {
                    long rss = proxy.residentKib();
                    if (baseline < 0 && read > gib / 10) {
                        baseline = rss;
                    }
                    peak = Math.max(peak, rss);
                    nextSample += 32L << 20;
                }
            }
            assertThat(read).isEqualTo(gib);
            assertThat(proxy.isAlive()).isTrue();
            assertThat(peak - baseline).as("resident memory growth after the first 10%% (KiB)").isLessThan(32 * 1024);
        }
    }

    @Test
    void idleKeptAliveConnectionsCloseOnBothSidesAfterTheIdleTimeout() throws Exception {
        CountDownLatch originSawClose = new CountDownLatch(1);
        try (RawOrigin origin = new RawOrigin(s -> {
                    while (RawOrigin.readHead(s.getInputStream()) != null) {
                        RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    }
                    originSawClose.countDown(); // the proxy closed its pooled connection
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address(), quickIdle(),
                        ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            long start = System.nanoTime();
            assertThat(c.get("new.example.com", "/").bodyText()).isEqualTo("ok");
            assertThat(c.get("new.example.com", "/").bodyText()).as("kept alive").isEqualTo("ok");
            assertThat(c.closedByPeer()).as("the idle client connection is closed").isTrue();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMillis).as("not before timeouts.idle (400 ms)").isGreaterThanOrEqualTo(390).isLessThan(5000);
            assertThat(originSawClose.await(5, TimeUnit.SECONDS)).as("the idle origin connection is closed").isTrue();
        }
    }

    @Test
    void uploadThatStopsIsClosedAfterTheIdleTimeout() throws Exception {
        try (RawOrigin origin = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    s.getInputStream().readAllBytes();
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address(), quickIdle(),
                        ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            c.send("POST /upload HTTP/1.1\r\nHost: new.example.com\r\nContent-Length: 1000\r\n\r\nhalf of it");
            long start = System.nanoTime();
            assertThat(c.closedByPeer()).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(350L, 5000L);
        }
    }

    @Test
    void pipelinedRequestsSentWhileAResponseIsAwaitedAreAnsweredInOrder() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        try (RawOrigin origin = new RawOrigin(s -> {
                    String h;
                    while ((h = RawOrigin.readHead(s.getInputStream())) != null) {
                        if (h.startsWith("GET /slow ")) {
                            first.await(5, TimeUnit.SECONDS); // hold the answer until the next request arrived
                        }
                        answerWithPath(s, h);
                    }
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address(), TestProxy.settings(),
                        ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /slow HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            Thread.sleep(100); // the proxy is now waiting for /slow's response
            c.send("GET /second HTTP/1.1\r\nHost: new.example.com\r\n\r\nGET /third HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            Thread.sleep(100);
            first.countDown();
            assertThat(c.read().bodyText()).isEqualTo("/slow");
            assertThat(c.read().bodyText()).isEqualTo("/second");
            assertThat(c.read().bodyText()).isEqualTo("/third");
        }
    }

    /**
     * A client may end its sending side once its request is out (shutdown(SHUT_WR)). As HAProxy does
     * without {@code option abortonclose}, the request is still answered, and the connection closes after.
     */
    @Test
    void clientThatHalfClosesAfterItsRequestStillGetsTheResponse() throws Exception {
        CountDownLatch requestSeen = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch logged = new CountDownLatch(1);
        ExchangeListener listener = new ExchangeListener() {
            @Override
            public void started(ExchangeInfo exchange) {
            }

            @Override
            public void completed(ExchangeInfo exchange, long endNanos) {
                statuses.add(exchange.status());
                logged.countDown();
            }
        };
        try (RawOrigin origin = new RawOrigin(s -> {
                    while (RawOrigin.readHead(s.getInputStream()) != null) {
                        requestSeen.countDown();
                        answer.await(5, TimeUnit.SECONDS);
                        RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    }
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address(), TestProxy.settings(),
                        listener);
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /order HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            c.shutdownOutput();
            assertThat(requestSeen.await(5, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(100); // the proxy has seen the client's FIN while the origin still thinks
            answer.countDown();
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("ok");
            assertThat(c.closedByPeer()).as("closed once the response is out").isTrue();
            assertThat(logged.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(statuses).containsExactly(200);
        }
    }

    @Test
    void pipelinedRequestsFollowedByAHalfCloseAreAllAnswered() throws Exception {
        try (RawOrigin origin = new RawOrigin(s -> {
                    String h;
                    while ((h = RawOrigin.readHead(s.getInputStream())) != null) {
                        answerWithPath(s, h);
                    }
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address(), TestProxy.settings(),
                        ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /a HTTP/1.1\r\nHost: new.example.com\r\n\r\nGET /b HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            c.shutdownOutput();
            assertThat(c.read().bodyText()).isEqualTo("/a");
            assertThat(c.read().bodyText()).isEqualTo("/b");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void halfCloseInTheMiddleOfAHeadClosesWithoutForwarding() throws Exception {
        AtomicInteger forwarded = new AtomicInteger();
        try (RawOrigin origin = new RawOrigin(s -> {
                    while (RawOrigin.readHead(s.getInputStream()) != null) {
                        forwarded.incrementAndGet();
                    }
                });
                TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address(), TestProxy.settings(),
                        ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /half HTTP/1.1\r\nHost: new.exa");
            c.shutdownOutput();
            assertThat(c.closedByPeer()).isTrue();
            assertThat(forwarded.get()).isZero();
        }
    }

    /** The origin's answer to a GET: its path as the body. */
    private static void answerWithPath(java.net.Socket s, String head) throws java.io.IOException {
        String path = head.substring(4, head.indexOf(' ', 4));
        RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + path.length() + "\r\n\r\n" + path);
    }
}

package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.routing.SiteView;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The data-plane parts of a cut-over: hold parking, preview routing, in-flight accounting. */
class CutoverIT {

    private static SiteTable sites() {
        SiteTable.Builder b = new SiteTable.Builder(4, 256, 0, 0);
        b.add("shop.example.com", SiteState.LEGACY, "filer-1");
        b.add("blog.example.com", SiteState.LEGACY, "filer-2");
        return b.build();
    }

    /** An origin answering with its name; {@code slow} requests wait for the latch. */
    private static RawOrigin origin(String name, CountDownLatch slow) throws Exception {
        return new RawOrigin(s -> {
            while (true) {
                String head = RawOrigin.readHead(s.getInputStream());
                if (head == null) {
                    return;
                }
                if (head.contains("/slow") && slow != null) {
                    slow.await(20, TimeUnit.SECONDS);
                }
                String body = name + " " + head.substring(head.indexOf("Host: ") + 6, head.indexOf("\r\n", head.indexOf("Host: ")));
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            }
        });
    }

    @Test
    void heldRequestGoesOnByTheNextState() throws Exception {
        try (RawOrigin local = origin("local", null); RawOrigin legacy = origin("legacy", null);
                TestProxy proxy = new TestProxy(sites(), local.address(), legacy.address());
                RawClient c = new RawClient(proxy.address())) {
            proxy.set("shop.example.com", SiteState.HOLD);
            c.send("GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            Thread.sleep(300);
            assertThat(c.input().available()).as("parked, not answered").isZero();
            proxy.set("shop.example.com", SiteState.MIGRATED);
            assertThat(c.read().bodyText()).isEqualTo("local shop.example.com");
            assertThat(c.get("shop.example.com", "/").bodyText()).as("connection still usable").isEqualTo("local shop.example.com");
        }
    }

    @Test
    void heldRequestTimesOutTo503() throws Exception {
        try (RawOrigin local = origin("local", null);
                TestProxy proxy = new TestProxy(sites(), local.address(), local.address(),
                        TestProxy.settings().withHoldTimeout(300), ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            proxy.set("shop.example.com", SiteState.HOLD);
            long start = System.nanoTime();
            RawClient.Response r = c.get("shop.example.com", "/");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isNotNull();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 5000L);
        }
    }

    @Test
    void whileHoldsAreRefusedANewRequestGets503AtOnceAndTheParkedOnesStayParked() throws Exception {
        try (RawOrigin local = origin("local", null); RawOrigin legacy = origin("legacy", null);
                TestProxy proxy = new TestProxy(sites(), local.address(), legacy.address());
                RawClient parkedBefore = new RawClient(proxy.address());
                RawClient refused = new RawClient(proxy.address());
                RawClient parkedAfter = new RawClient(proxy.address())) {
            proxy.set("shop.example.com", SiteState.HOLD);
            parkedBefore.send("GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            Thread.sleep(300);
            assertThat(parkedBefore.input().available()).as("parked").isZero();

            // what the heap guard does after a full collection that leaves the heap >= 90 % full
            proxy.server().refuseHoldsUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            long start = System.nanoTime();
            RawClient.Response r = refused.get("shop.example.com", "/");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isNotNull();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("at once, not after timeouts.hold (30 s)").isLessThan(5_000L);
            assertThat(parkedBefore.input().available()).as("already parked: still parked").isZero();

            // a refusal whose time is up: requests are parked again
            proxy.server().refuseHoldsUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
            Thread.sleep(300);
            parkedAfter.send("GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            Thread.sleep(300);
            assertThat(parkedAfter.input().available()).as("parked once the refusal is over").isZero();

            proxy.set("shop.example.com", SiteState.MIGRATED);
            assertThat(parkedBefore.read().bodyText()).isEqualTo("local shop.example.com");
            assertThat(parkedAfter.read().bodyText()).isEqualTo("local shop.example.com");
        }
    }

    @Test
    void previewNameGoesToLocalWithTheSitesOwnHostWhateverItsState() throws Exception {
        try (RawOrigin local = origin("local", null); RawOrigin legacy = origin("legacy", null);
                TestProxy proxy = new TestProxy(sites(), local.address(), legacy.address());
                RawClient c = new RawClient(proxy.address())) {
            assertThat(c.get("shop.example.com", "/").bodyText()).isEqualTo("legacy shop.example.com");
            assertThat(c.get("shop.example.com.preview.test", "/").bodyText()).isEqualTo("local shop.example.com");
            proxy.set("shop.example.com", SiteState.MAINTENANCE);
            assertThat(c.get("Shop.Example.com.Preview.Test:8080", "/").bodyText()).isEqualTo("local shop.example.com");
        }
    }

    @Test
    void inflightCountsOnlyOlderExchangesOfTheMatchedSitesAndCloseCutsThem() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (RawOrigin legacy = origin("legacy", release);
                TestProxy proxy = new TestProxy(sites(), legacy.address(), legacy.address());
                RawClient slowShop = new RawClient(proxy.address());
                RawClient slowBlog = new RawClient(proxy.address())) {
            slowShop.send("GET /slow HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            slowBlog.send("GET /slow HTTP/1.1\r\nHost: blog.example.com\r\n\r\n");
            SiteMatcher shop = (snapshot, host, length) -> {
                SiteView v = snapshot.describe(new String(host, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1));
                return v != null && v.host().equals("shop.example.com");
            };
            waitFor(() -> proxy.server().inflight(Long.MAX_VALUE, SiteMatcher.ALL).join().total() == 2);
            proxy.set("shop.example.com", SiteState.MAINTENANCE);
            long rev = proxy.router().current().revision();
            assertThat(proxy.server().inflight(rev, shop).join()).isEqualTo(new InflightCount(0, 1));
            assertThat(proxy.server().inflight(0, shop).join().total()).as("none routed before revision 0").isZero();
            CompletableFuture<Integer> closed = proxy.server().closeInflight(rev, shop);
            assertThat(closed.join()).isEqualTo(1);
            assertThat(slowShop.closedByPeer()).isTrue();
            waitFor(() -> proxy.server().inflight(rev, shop).join().total() == 0);
            assertThat(proxy.server().inflight(Long.MAX_VALUE, SiteMatcher.ALL).join().total()).isEqualTo(1);
            release.countDown();
            assertThat(slowBlog.read().bodyText()).isEqualTo("legacy blog.example.com");
            waitFor(() -> proxy.server().inflight(Long.MAX_VALUE, SiteMatcher.ALL).join().total() == 0);
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s");
            }
            Thread.sleep(10);
        }
    }

}

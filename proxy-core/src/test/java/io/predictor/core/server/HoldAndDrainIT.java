package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.GroupOverride;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteOverride;
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
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Found by a review of hold and the stop (each failed before): a held request that goes on
 * counted twice in its group's traffic, and an HTTP/2 connection whose handshake ended after a
 * drain began was never told to go away.
 */
class HoldAndDrainIT {

    private static SiteTable sites() {
        SiteTable.Builder b = new SiteTable.Builder(4, 256, 4, 256);
        b.add("shop.example.com", SiteState.LEGACY, "filer-1");
        b.add("www.example.com", SiteState.MIGRATED, "filer-2");
        return b.build();
    }

    private static RawOrigin origin(String name) throws Exception {
        return new RawOrigin(s -> {
            while (RawOrigin.readHead(s.getInputStream()) != null) {
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + name.length() + "\r\n\r\n" + name);
            }
        });
    }

    /**
     * A request parked in hold and then released is one request of its group, not two:
     * {@code GET /api/v1/groups/{group}}'s {@code requests_last_minute} comes from this count,
     * and dispatch counted the group again when reroute() dispatched the request.
     */
    @Test
    void aHeldRequestThatGoesOnCountsOnceInItsGroupsTraffic() throws Exception {
        try (RawOrigin local = origin("local"); RawOrigin legacy = origin("legacy");
                TestProxy proxy = new TestProxy(sites(), local.address(), legacy.address());
                RawClient c = new RawClient(proxy.address())) {
            // the group is cut over as the admin API's PUT /api/v1/groups/filer-1 does
            SiteTable base = proxy.router().current().base();
            proxy.router().publish(RoutingSnapshot.of(base, List.<SiteOverride>of(),
                    List.of(new GroupOverride("filer-1", SiteState.HOLD, 1)), 1, SiteState.LEGACY));
            c.send("GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            Thread.sleep(300);
            assertThat(c.input().available()).as("parked").isZero();
            proxy.router().publish(RoutingSnapshot.of(base, List.<SiteOverride>of(),
                    List.of(new GroupOverride("filer-1", SiteState.MIGRATED, 2)), 2, SiteState.LEGACY));
            assertThat(c.read().bodyText()).isEqualTo("local");
            long n = proxy.server().groupRequestsLastMinute(proxy.router().current().base(), "filer-1").join();
            assertThat(n).as("requests of filer-1 in the last minute (one was sent)").isEqualTo(1);
        }
    }

    /**
     * SIGTERM's drain tells every connection that is drainable when it starts; an HTTP/2
     * connection whose TLS handshake was still under way then (a busy listener always has some)
     * was never told: no GOAWAY, it took new streams for the whole of timeouts.drain, and was then
     * cut without one (the drain reported unclean). It now looks at the drain when it is set up.
     */
    @Test
    void anHttp2ConnectionWhoseHandshakeEndsDuringTheDrainGetsGoAwayAndTheDrainEndsClean() throws Exception {
        TestCertificates certs = new TestCertificates("hold and drain CA");
        Path dir = TestCertificates.newDirectory("hold-drain-h2");
        certs.writePair(dir, "example", "www.example.com");
        CertificateStore store = TestCertificates.quietStore(dir);
        try (RawOrigin local = origin("local");
                TestProxy proxy = new TestProxy(sites(), local.address(), local.address());
                ServerSocket relay = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            InetSocketAddress tls = proxy.server().bindTls(new ListenerSettings("https",
                    new InetSocketAddress("127.0.0.1", 0), a -> false), proxy.router(), ExchangeListener.NONE, store);
            // a relay in front of the TLS listener that connects at once but passes the client's
            // bytes only when released: the handshake is under way (TCP open, no ClientHello yet)
            CountDownLatch release = new CountDownLatch(1);
            Thread relayThread = new Thread(() -> {
                try (Socket client = relay.accept(); Socket upstream = new Socket(tls.getAddress(), tls.getPort())) {
                    release.await();
                    Thread up = new Thread(() -> pump(client, upstream));
                    up.setDaemon(true);
                    up.start();
                    pump(upstream, client);
                } catch (Exception ignored) {
                    // the test's end
                }
            });
            relayThread.setDaemon(true);
            relayThread.start();
            CompletableFuture<H2Client> h2 = CompletableFuture.supplyAsync(() -> {
                try {
                    return new H2Client(certs.ca(), new InetSocketAddress("127.0.0.1", relay.getLocalPort()),
                            "www.example.com");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            CutoverIT.waitFor(() -> proxy.server().openConnections() == 1);
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return proxy.server().drain(); // timeouts.drain: 5 s (TestProxy.settings())
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(300); // the drain has begun: the listener is closed, the drainable connections told
            release.countDown();
            try (H2Client c = h2.get(10, TimeUnit.SECONDS)) {
                long t0 = System.nanoTime();
                while (c.goAwaysReceived().isEmpty() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2)) {
                    Thread.sleep(20);
                }
                assertThat(c.goAwaysReceived()).as("GOAWAY within 2 s of the handshake").isNotEmpty();
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(drained.get(10, TimeUnit.SECONDS)).as("the drain ends clean (%d ms after the handshake)", ms)
                        .isTrue();
            }
        } finally {
            store.close();
        }
    }

    /**
     * Requests parked in {@code hold} when the drain's deadline comes get the 503 (with
     * Retry-After) their hold timeout would give, over HTTP/1.1 and HTTP/2: they were cut with the
     * connection before, which tells a client nothing about whether its request was processed.
     */
    @Test
    void requestsHeldAtTheDrainsDeadlineAreAnswered503NotCut() throws Exception {
        TestCertificates certs = new TestCertificates("held at the drain CA");
        Path dir = TestCertificates.newDirectory("held-drain-h2");
        certs.writePair(dir, "example", "shop.example.com");
        CertificateStore store = TestCertificates.quietStore(dir);
        try (RawOrigin local = origin("local");
                TestProxy proxy = new TestProxy(sites(), local.address(), local.address(),
                        TestProxy.settings().withDrainTimeout(500), ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            InetSocketAddress tls = proxy.server().bindTls(new ListenerSettings("https",
                    new InetSocketAddress("127.0.0.1", 0), a -> false), proxy.router(), ExchangeListener.NONE, store);
            proxy.set("shop.example.com", SiteState.HOLD);
            try (H2Client h2 = new H2Client(certs.ca(), tls, "shop.example.com")) {
                c.send("GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
                CompletableFuture<H2Client.Response> stream = CompletableFuture.supplyAsync(() -> {
                    try {
                        return h2.get("/");
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                CutoverIT.waitFor(() -> proxy.server().inflightByRoute().join().get(io.predictor.core.routing.Route.HOLD) == 2);
                long t0 = System.nanoTime();
                boolean clean = proxy.server().drain(); // timeouts.hold is 30 s: both are still parked at 500 ms
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                RawClient.Response r = c.read();
                assertThat(r.status()).as("HTTP/1.1").isEqualTo(503);
                assertThat(r.header("retry-after")).isNotNull();
                H2Client.Response r2 = stream.get(5, TimeUnit.SECONDS);
                assertThat(r2.status()).as("HTTP/2").isEqualTo(503);
                assertThat(ms).as("answered at the drain's deadline, not the hold's").isBetween(400L, 3000L);
                assertThat(clean).as("the 503s ended their connections").isTrue();
            }
        } finally {
            store.close();
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] b = new byte[16384];
            int n;
            while ((n = in.read(b)) > 0) {
                out.write(b, 0, n);
                out.flush();
            }
        } catch (Exception ignored) {
            // closed
        }
    }
}

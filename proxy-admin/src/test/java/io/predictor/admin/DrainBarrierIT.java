package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.testing.TestConfigs;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ?wait=drained} through the real admin API over a real data plane (SPEC §5). */
class DrainBarrierIT {

    static final String TOKEN = "drain-barrier-test-token-0123456789";

    @TempDir
    Path dir;

    final CountDownLatch stuck = new CountDownLatch(1);
    /** A POST has reached the origin whole (head and body). */
    final CountDownLatch postReceived = new CountDownLatch(1);
    /** When the origin finished "writing" the POST (System.nanoTime()), 0 before. */
    final AtomicLong postCommittedAt = new AtomicLong();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    RawOrigin origin;
    TestProxy proxy;
    ControlPlane plane;

    @BeforeEach
    void start() throws Exception {
        origin = new RawOrigin(s -> {
            while (true) {
                String head = RawOrigin.readHead(s.getInputStream());
                if (head == null) {
                    return;
                }
                if (head.startsWith("POST /write")) {
                    int len = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                    s.getInputStream().readNBytes(len);
                    postReceived.countDown();
                    Thread.sleep(1500); // the application works on it (PHP, a DB transaction...)
                    postCommittedAt.set(System.nanoTime()); // ... and commits, whatever the client did
                } else if (head.startsWith("GET /slow")) {
                    Thread.sleep(700);
                } else if (head.startsWith("GET /stuck")) {
                    stuck.await(30, TimeUnit.SECONDS);
                }
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
        SiteTable.Builder b = new SiteTable.Builder(3, 96, 0, 0);
        b.add("shop.example.com", SiteState.LEGACY, "filer-1");
        b.add("blog.example.com", SiteState.LEGACY, "filer-1");
        b.add("news.example.com", SiteState.LEGACY, "filer-2");
        SiteTable base = b.build();
        Path sites = dir.resolve("sites.txt");
        Files.writeString(sites, "shop.example.com legacy filer-1\nblog.example.com legacy filer-1\n"
                + "news.example.com legacy filer-2\n");
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "ops " + TOKEN + "\n");
        proxy = new TestProxy(base, origin.address(), origin.address());
        JsonLinesLog quiet = new JsonLinesLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC());
        plane = ControlPlane.start(TestConfigs.controlPlane("127.0.0.1", tokens, sites, dir.resolve("state")),
                proxy.router(), base, () -> true,
                new ControlPlane.Options(quiet, quiet, Clock.systemUTC(), 1000, new ProxyDataPlane(proxy.server())));
    }

    @AfterEach
    void stop() throws Exception {
        stuck.countDown();
        plane.close();
        proxy.close();
        origin.close();
    }

    HttpResponse<String> put(String path, String state) throws Exception {
        return putJson(path, "{\"state\":\"" + state + "\"}");
    }

    HttpResponse<String> putJson(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.adminPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.adminPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.adminPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    void awaitInflight(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (proxy.server().inflight(Long.MAX_VALUE, io.predictor.core.server.SiteMatcher.ALL).join().total() != n) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void barrierWaitsForASlowRequestOfTheSite() throws Exception {
        try (RawClient slow = new RawClient(proxy.address())) {
            slow.send("GET /slow HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            awaitInflight(1);
            assertThat(get("/api/v1/sites/shop.example.com").body()).contains("\"inflight\":1")
                    .contains("\"inflight_by_route\":{\"local\":0,\"legacy\":1}");
            long start = System.nanoTime();
            HttpResponse<String> r = put("/api/v1/sites/shop.example.com?wait=drained&timeout=10s", "maintenance");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"state\":\"maintenance\"").contains("\"drained\":true");
            assertThat(tookMs).as("waited for the slow request").isGreaterThanOrEqualTo(300);
            assertThat(slow.read().bodyText()).as("the slow request finished normally").isEqualTo("ok");
        }
    }

    @Test
    void barrierIgnoresOtherSitesAndTimesOutWithTheCount() throws Exception {
        try (RawClient other = new RawClient(proxy.address()); RawClient mine = new RawClient(proxy.address())) {
            other.send("GET /stuck HTTP/1.1\r\nHost: blog.example.com\r\n\r\n");
            awaitInflight(1);
            HttpResponse<String> r = put("/api/v1/sites/shop.example.com?wait=drained&timeout=2s", "maintenance");
            assertThat(r.statusCode()).as("blog's request is not shop's").isEqualTo(200);
            assertThat(r.body()).contains("\"drained\":true");

            put("/api/v1/sites/shop.example.com", "legacy");
            mine.send("GET /stuck HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            awaitInflight(2);
            r = put("/api/v1/groups/filer-1?wait=drained&timeout=300ms", "maintenance");
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).contains("\"drained\":false").contains("\"inflight\":2")
                    .contains("\"error\":\"drain_timeout\"");
            assertThat(get("/api/v1/groups/filer-1").body()).as("the change stayed in force")
                    .contains("\"maintenance\":2");
        }
    }

    @Test
    void closeTrueCutsWhatIsLeft() throws Exception {
        try (RawClient mine = new RawClient(proxy.address())) {
            mine.send("GET /stuck HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            awaitInflight(1);
            HttpResponse<String> r = put("/api/v1/groups/filer-1?wait=drained&timeout=300ms&close=true", "maintenance");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"drained\":true").contains("\"closed\":1");
            assertThat(mine.closedByPeer()).isTrue();
            awaitInflight(0);
        }
    }

    /**
     * A POST forwarded whole to the legacy side, whose client then goes away (a reset: a tab
     * closed, a mobile client's timeout) while the old side still processes it: the exchange left
     * the in-flight count at the client's close, and the barrier answered drained while the old
     * side's write was still to come (found by review). It is waited for until the old side answers.
     */
    @Test
    void barrierWaitsForAPostTheOldSideStillProcessesAfterItsClientLeft() throws Exception {
        java.net.Socket socket = new java.net.Socket();
        socket.connect(proxy.address(), 5000);
        socket.setSoLinger(true, 0); // its close is a reset
        try (RawClient c = new RawClient(socket)) {
            c.send("POST /write HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(postReceived.await(5, TimeUnit.SECONDS)).isTrue();
        }
        HttpResponse<String> r = put("/api/v1/sites/shop.example.com?wait=drained&timeout=10s", "maintenance");
        long answeredAt = System.nanoTime();
        assertThat(r.body()).contains("\"drained\":true");
        assertThat(postCommittedAt.get()).as("the old side committed the POST before the barrier said drained")
                .isNotZero().isLessThan(answeredAt);
    }

    /**
     * A site moved into a group while one of its requests is in flight, then the group is cut
     * over with wait=drained: the group matcher asked only the snapshot that routed the request,
     * where the site was in its old group, and did not wait for it (found by review).
     */
    @Test
    void groupBarrierWaitsForASiteMovedIntoTheGroupWhileItsRequestWasInFlight() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /stuck HTTP/1.1\r\nHost: news.example.com\r\n\r\n");
            awaitInflight(1);
            HttpResponse<String> moved = putJson("/api/v1/sites/news.example.com",
                    "{\"state\":\"legacy\",\"group\":\"filer-1\"}");
            assertThat(moved.statusCode()).isEqualTo(200);
            HttpResponse<String> r = put("/api/v1/groups/filer-1?wait=drained&timeout=1s", "maintenance");
            assertThat(r.body()).contains("\"sites\":3");
            assertThat(r.statusCode()).as("barrier answer: " + r.body()).isEqualTo(504);
            assertThat(r.body()).contains("\"inflight_by_route\":{\"local\":0,\"legacy\":1}");
        }
    }

    /**
     * A reload that changes one site's state in the file: its barrier waits for that site's
     * request routed by the old state, and not for another site's the file left as it was.
     */
    @Test
    void reloadBarrierWaitsForTheSitesTheFileMovedOnly() throws Exception {
        try (RawClient shop = new RawClient(proxy.address()); RawClient blog = new RawClient(proxy.address())) {
            blog.send("GET /stuck HTTP/1.1\r\nHost: blog.example.com\r\n\r\n");
            shop.send("GET /slow HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            awaitInflight(2);
            Files.writeString(dir.resolve("sites.txt"), "shop.example.com maintenance filer-1\n"
                    + "blog.example.com legacy filer-1\nnews.example.com legacy filer-2\n");
            long start = System.nanoTime();
            HttpResponse<String> r = post("/api/v1/reload?wait=drained&timeout=10s");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"changed\":1").contains("\"drained\":true");
            assertThat(tookMs).as("waited for shop's slow request, not for blog's stuck one")
                    .isGreaterThanOrEqualTo(300).isLessThan(9000);
            assertThat(shop.read().bodyText()).isEqualTo("ok");
        }
    }

    /**
     * A reload that puts a site into a group cut over at runtime: the group's state (the state of
     * the storage unit the site now lives on) decides its route from the reload on. Its request
     * still in flight on the old side is what the reload's barrier waits for; without
     * {@code wait=drained} the move would go unguarded.
     */
    @Test
    void reloadBarrierWaitsForASiteTheFilePutIntoAGroupCutOverAtRuntime() throws Exception {
        assertThat(put("/api/v1/groups/filer-2", "maintenance").statusCode()).isEqualTo(200);
        assertThat(put("/api/v1/groups/filer-2", "migrated").statusCode()).isEqualTo(200);
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /stuck HTTP/1.1\r\nHost: blog.example.com\r\n\r\n");
            awaitInflight(1);
            Files.writeString(dir.resolve("sites.txt"), "shop.example.com legacy filer-1\n"
                    + "blog.example.com legacy filer-2\nnews.example.com legacy filer-2\n");
            HttpResponse<String> r = post("/api/v1/reload?wait=drained&timeout=500ms");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
            assertThat(r.body()).contains("\"drained\":false").contains("\"inflight\":1")
                    .contains("\"inflight_by_route\":{\"local\":0,\"legacy\":1}");
            assertThat(get("/api/v1/sites/blog.example.com").body()).as("routed by its new group's state")
                    .contains("\"state\":\"migrated\"").contains("\"group\":\"filer-2\"");

            // the same file again changes no route, but the request is still on the side blog
            // left: a barrier answers "drained" only when nothing is on a route its site no longer has
            r = post("/api/v1/reload?wait=drained&timeout=300ms&close=true");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"drained\":true").contains("\"closed\":1");
            assertThat(c.closedByPeer()).isTrue();
        }
        HttpResponse<String> r = post("/api/v1/reload?wait=drained&timeout=300ms");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"drained\":true");
    }

    @Test
    void reloadRefusesABadWaitParameter() throws Exception {
        HttpResponse<String> r = post("/api/v1/reload?wait=forever");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("wait must be 'drained'");
    }
}

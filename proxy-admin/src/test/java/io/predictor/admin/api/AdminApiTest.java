package io.predictor.admin.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.json.Json;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.testing.MemoryStateStore;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.admin.testing.Tables;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.predictor.core.server.InflightCount;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API's rules, without sockets. */
class AdminApiTest {

    static final String TOKEN = "t0ken-0123456789abcdef";

    @TempDir
    Path dir;
    final MemoryStateStore store = new MemoryStateStore();
    final RecordingLog log = new RecordingLog();
    final AtomicBoolean ready = new AtomicBoolean(true);
    Path sitesFile;
    AdminApi api;
    Router router;
    SiteService sites;

    @BeforeEach
    void setUp() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "ops " + TOKEN + "\n");
        sitesFile = dir.resolve("sites.txt");
        Files.writeString(sitesFile, "www.example.com migrated g1\nshop.example.com legacy g1\n");
        router = new Router(RoutingSnapshot.of(Tables.small(), 0, SiteState.LEGACY));
        sites = new SiteService(Tables.small(), sitesFile, SiteState.LEGACY, router, store, log,
                Clock.systemUTC());
        sites.recover(store.load());
        api = new AdminApi(sites, "127.0.0.1", new AdminOptions(AdminTokens.load(tokens, log), ready::get,
                "1.2.3", new FixedDataPlane(new InflightCount(2, 3), 7)), log);
    }

    AdminResponse call(String method, String uri, String body, String... headers) {
        io.netty.handler.codec.http.QueryStringDecoder d = new io.netty.handler.codec.http.QueryStringDecoder(uri);
        Map<String, String> h = new HashMap<>();
        h.put("host", "localhost:9090");
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i].toLowerCase(), headers[i + 1]);
        }
        return api.handle(new AdminRequest(method, d.rawPath(), d.parameters(), h, body, 9090));
    }

    AdminResponse mutate(String method, String uri, String body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + TOKEN;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return call(method, uri, body, all);
    }

    static String json(AdminResponse r) {
        return Json.write(r.body());
    }

    static Object field(AdminResponse r, String name) {
        return ((Map<?, ?>) (r.body() instanceof io.predictor.admin.json.JsonObject o ? o.fields() : r.body())).get(name);
    }

    @Test
    void healthReadinessAndStatus() {
        assertThat(call("GET", "/healthz", "").status()).isEqualTo(200);
        assertThat(call("GET", "/readyz", "").status()).isEqualTo(200);
        ready.set(false);
        AdminResponse r = call("GET", "/readyz", "");
        assertThat(r.status()).isEqualTo(503);
        assertThat(json(r)).startsWith("{\"error\":\"not_ready\",\"detail\":");
        AdminResponse s = call("GET", "/api/v1/status", "");
        assertThat(json(s)).matches("\\{\"revision\":0,\"sites\":\\{\"legacy\":3,\"migrated\":1,\"maintenance\":1,"
                + "\"hold\":0},\"version\":\"1.2.3\",\"uptime_s\":\\d+,\"store\":\\{\"kind\":\"file\",\"available\":true}}");
        assertThat(s.headers()).containsEntry("ETag", "\"0\"");
    }

    /** What the fixed data plane says is in flight, as the site view shows it. */
    static final String INFLIGHT = ",\"inflight\":5,\"inflight_by_route\":{\"local\":2,\"legacy\":3}";

    @Test
    void getASiteAnExactEntryAWildcardMatchOrTheDefault() {
        assertThat(json(call("GET", "/api/v1/sites/WWW.example.com", "")))
                .isEqualTo("{\"host\":\"www.example.com\",\"state\":\"migrated\",\"group\":\"g1\",\"revision\":0"
                        + INFLIGHT + "}");
        assertThat(json(call("GET", "/api/v1/sites/x.blog.example.net", ""))).isEqualTo(
                "{\"host\":\"x.blog.example.net\",\"state\":\"legacy\",\"group\":\"g2\",\"revision\":0,"
                        + "\"match\":\"*.blog.example.net\"" + INFLIGHT + "}");
        assertThat(json(call("GET", "/api/v1/sites/*.blog.example.net", "")))
                .isEqualTo("{\"host\":\"*.blog.example.net\",\"state\":\"legacy\",\"group\":\"g2\",\"revision\":0"
                        + INFLIGHT + "}");
        AdminResponse missing = call("GET", "/api/v1/sites/nobody.example", "");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(json(missing)).isEqualTo("{\"error\":\"not_found\",\"detail\":\"nobody.example is not in the"
                + " table; it takes the default route\",\"default\":\"legacy\"}");
        assertThat(call("GET", "/api/v1/sites/bad%20host", "").status()).isEqualTo(400);
    }

    @Test
    void listPagesByHostWithACursorAndFilters() {
        AdminResponse p1 = call("GET", "/api/v1/sites?limit=2", "");
        assertThat(json(p1)).isEqualTo("{\"sites\":[{\"host\":\"*.blog.example.net\",\"state\":\"legacy\",\"group\":\"g2\","
                + "\"revision\":0},{\"host\":\"a.blog.example.net\",\"state\":\"legacy\",\"group\":\"g2\",\"revision\":0}],"
                + "\"next\":\"a.blog.example.net\"}");
        AdminResponse p2 = call("GET", "/api/v1/sites?limit=2&after=a.blog.example.net", "");
        assertThat(json(p2)).contains("down.example.com", "shop.example.com").contains("\"next\":\"shop.example.com\"");
        AdminResponse p3 = call("GET", "/api/v1/sites?limit=2&after=shop.example.com", "");
        assertThat(json(p3)).contains("www.example.com").endsWith("\"next\":null}");
        assertThat(json(call("GET", "/api/v1/sites?state=legacy&group=g1", "")))
                .isEqualTo("{\"sites\":[{\"host\":\"shop.example.com\",\"state\":\"legacy\",\"group\":\"g1\","
                        + "\"revision\":0}],\"next\":null}");
        assertThat(call("GET", "/api/v1/sites?state=gone", "").status()).isEqualTo(400);
        assertThat(call("GET", "/api/v1/sites?limit=0", "").status()).isEqualTo(400);
        assertThat(call("GET", "/api/v1/sites?limit=abc", "").status()).isEqualTo(400);
        assertThat(call("GET", "/api/v1/sites?limt=3", "").status()).isEqualTo(400);
    }

    @Test
    void mutationsNeedABearerToken401WithoutAnd403Wrong() {
        AdminResponse none = call("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.headers()).containsKey("WWW-Authenticate");
        assertThat(call("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "Authorization",
                "Basic b3BzOnB3").status()).isEqualTo(401);
        AdminResponse wrong = call("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "Authorization",
                "Bearer " + TOKEN + "x");
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(json(wrong)).startsWith("{\"error\":\"forbidden\"");
        assertThat(call("POST", "/api/v1/reload", "").status()).isEqualTo(401);
        assertThat(call("PUT", "/api/v1/groups/g1", "{\"state\":\"hold\"}").status()).isEqualTo(401);
        assertThat(call("DELETE", "/api/v1/sites/shop.example.com", "").status()).isEqualTo(401);
        assertThat(store.records).isEmpty();

        AdminResponse ok = call("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "Authorization",
                "bearer  " + TOKEN);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(json(ok)).isEqualTo("{\"host\":\"shop.example.com\",\"state\":\"hold\",\"group\":\"g1\",\"revision\":1}");
        assertThat(log.audit).singleElement().satisfies(r -> assertThat(r.who()).isEqualTo("ops"));
    }

    @Test
    void theGuardComesFirstEvenWithAGoodToken() {
        AdminResponse r = call("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "Authorization",
                "Bearer " + TOKEN, "Host", "rebind.evil.example:9090");
        assertThat(r.status()).isEqualTo(403);
        assertThat(json(r)).startsWith("{\"error\":\"forbidden_host\"");
        r = call("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "Authorization",
                "Bearer " + TOKEN, "Origin", "http://evil.example");
        assertThat(json(r)).startsWith("{\"error\":\"forbidden_origin\"");
        assertThat(call("GET", "/api/v1/status", "", "Host", "evil.example").status()).isEqualTo(403);
        assertThat(store.records).isEmpty();
    }

    @Test
    void getNeverMutatesAndOtherMethodsAre405() {
        AdminResponse r = call("GET", "/api/v1/reload", "");
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.headers()).containsEntry("Allow", "POST");
        assertThat(call("POST", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "Authorization",
                "Bearer " + TOKEN).headers()).containsEntry("Allow", "GET, PUT, DELETE");
        assertThat(call("PATCH", "/api/v1/groups/g1", "").status()).isEqualTo(405);
        assertThat(call("GET", "/api/v1/sites/shop.example.com?state=hold", "").status()).isEqualTo(400);
        assertThat(call("HEAD", "/healthz", "").status()).isEqualTo(405);
        assertThat(store.records).isEmpty();
        AdminResponse unknown = call("GET", "/api/v2/anything", "");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(json(unknown)).isEqualTo("{\"error\":\"not_found\",\"detail\":\"no such endpoint: /api/v2/anything\"}");
    }

    @Test
    void bodiesAreStrict() {
        assertThat(json(mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\",\"stat\":1}")))
                .contains("unknown member \\\"stat\\\"");
        assertThat(mutate("PUT", "/api/v1/sites/shop.example.com", "{}").status()).isEqualTo(400);
        assertThat(mutate("PUT", "/api/v1/sites/shop.example.com", "state=hold").status()).isEqualTo(400);
        assertThat(mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"flying\"}").status()).isEqualTo(400);
        assertThat(mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\",\"force\":\"yes\"}").status())
                .isEqualTo(400);
        assertThat(mutate("PUT", "/api/v1/sites/shop.example.com:80", "{\"state\":\"hold\"}").status()).isEqualTo(400);
        assertThat(store.records).isEmpty();
    }

    @Test
    void stateMachineExpectAndIfMatch() {
        AdminResponse jump = mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"migrated\"}");
        assertThat(jump.status()).isEqualTo(409);
        assertThat(json(jump)).startsWith("{\"error\":\"transition_refused\"");
        AdminResponse expect = mutate("PUT", "/api/v1/sites/shop.example.com",
                "{\"state\":\"maintenance\",\"expect\":\"hold\"}");
        assertThat(expect.status()).isEqualTo(409);
        assertThat(json(expect)).startsWith("{\"error\":\"expect_mismatch\"");
        AdminResponse stale = mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "If-Match", "\"3\"");
        assertThat(stale.status()).isEqualTo(412);
        assertThat(json(stale)).startsWith("{\"error\":\"precondition_failed\"");
        assertThat(mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "If-Match", "W/\"0\"").status())
                .isEqualTo(400);
        assertThat(store.records).isEmpty();

        AdminResponse forced = mutate("PUT", "/api/v1/sites/shop.example.com",
                "{\"state\":\"migrated\",\"expect\":\"legacy\",\"force\":true}", "If-Match", "\"0\"");
        assertThat(forced.status()).isEqualTo(200);
        assertThat(forced.headers()).containsEntry("ETag", "\"1\"");
        assertThat(log.audit).singleElement().satisfies(r -> assertThat(r.forced()).isTrue());
        assertThat(mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}", "If-Match", "1").status())
                .isEqualTo(200);
    }

    @Test
    void sitesAreCreatedWithAGroupAndDeleted() {
        AdminResponse created = mutate("PUT", "/api/v1/sites/New.Example.com", "{\"state\":\"maintenance\",\"group\":\"g7\"}");
        assertThat(json(created)).isEqualTo("{\"host\":\"new.example.com\",\"state\":\"maintenance\",\"group\":\"g7\",\"revision\":1}");
        AdminResponse deleted = mutate("DELETE", "/api/v1/sites/new.example.com", "");
        assertThat(json(deleted)).isEqualTo("{\"host\":\"new.example.com\",\"deleted\":true,\"state\":\"legacy\",\"revision\":2}");
        assertThat(call("GET", "/api/v1/sites/new.example.com", "").status()).isEqualTo(404);
        assertThat(mutate("DELETE", "/api/v1/sites/new.example.com", "").status()).isEqualTo(404);
        assertThat(mutate("DELETE", "/api/v1/sites/www.example.com", "").status()).as("migrated → default legacy")
                .isEqualTo(409);
        assertThat(mutate("DELETE", "/api/v1/sites/www.example.com?force=true", "").status()).isEqualTo(200);
        assertThat(log.audit.get(2).forced()).isTrue();
    }

    @Test
    void groupsFlipAtomicallyAndReportTheirSites() {
        assertThat(json(call("GET", "/api/v1/groups/g1", ""))).isEqualTo(
                "{\"group\":\"g1\",\"sites\":{\"legacy\":1,\"migrated\":1,\"maintenance\":0,\"hold\":0},\"inflight\":5,"
                + "\"inflight_by_route\":{\"local\":2,\"legacy\":3},\"requests_last_minute\":7}");
        assertThat(call("GET", "/api/v1/groups/none", "").status()).isEqualTo(404);
        assertThat(mutate("PUT", "/api/v1/groups/none", "{\"state\":\"hold\"}").status()).isEqualTo(404);
        assertThat(mutate("PUT", "/api/v1/groups/g1", "{\"state\":\"migrated\"}").status()).isEqualTo(409);
        AdminResponse r = mutate("PUT", "/api/v1/groups/g1", "{\"state\":\"maintenance\"}");
        assertThat(json(r)).isEqualTo("{\"group\":\"g1\",\"sites\":2,\"revision\":1}");
        assertThat(json(call("GET", "/api/v1/groups/g1", ""))).contains("\"maintenance\":2");
        assertThat(store.records).hasSize(1);
    }

    @Test
    void historyListsChangesAfterARevision() {
        mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"hold\"}");
        mutate("PUT", "/api/v1/groups/g1", "{\"state\":\"maintenance\"}");
        mutate("PUT", "/api/v1/sites/shop.example.com", "{\"state\":\"migrated\"}");
        AdminResponse h = call("GET", "/api/v1/history?since=0&limit=2", "");
        assertThat(json(h)).matches("\\{\"changes\":\\[\\{\"revision\":1,\"time\":\"[0-9T:.Z-]+\",\"who\":\"ops\","
                + "\"what\":\"site shop.example.com\",\"before\":\\{\"state\":\"legacy\",\"group\":\"g1\"},"
                + "\"after\":\\{\"state\":\"hold\",\"group\":\"g1\"},\"forced\":false},"
                + "\\{\"revision\":2,\"time\":\"[^\"]+\",\"who\":\"ops\",\"what\":\"group g1\","
                + "\"before\":\\{\"legacy\":0,\"migrated\":1,\"maintenance\":0,\"hold\":1},"
                + "\"after\":\\{\"state\":\"maintenance\",\"sites\":2},\"forced\":false}],\"next\":2}");
        assertThat(json(call("GET", "/api/v1/history?since=2", ""))).contains("\"revision\":3").endsWith("\"next\":null}");
        assertThat(call("GET", "/api/v1/history?since=-1", "").status()).isEqualTo(400);
    }

    @Test
    void reloadAnswers422WithEveryErrorAndChangesNothing() throws Exception {
        AdminResponse ok = mutate("POST", "/api/v1/reload", "");
        assertThat(json(ok)).as("two of the five sites in service are left: patched")
                .isEqualTo("{\"revision\":1,\"sites\":2,\"rebuilt\":false,\"added\":0,\"changed\":0,\"removed\":3}");
        Files.writeString(sitesFile, "a.example nowhere\nb.example\nc.example legacy\n");
        AdminResponse bad = mutate("POST", "/api/v1/reload", "");
        assertThat(bad.status()).isEqualTo(422);
        assertThat(field(bad, "error")).isEqualTo("invalid_sites_file");
        assertThat((List<?>) field(bad, "detail")).hasSize(2).allSatisfy(d -> assertThat(d.toString())
                .startsWith(sitesFile + ":"));
        assertThat(router.current().revision()).isEqualTo(1);
    }

    @Test
    void aReloadOutOfHeapAnswers503InsufficientHeapAndChangesNothing() throws Exception {
        io.predictor.admin.service.ReloadFaults.outOfHeap(sites);
        AdminResponse r = mutate("POST", "/api/v1/reload", "");
        assertThat(r.status()).isEqualTo(503);
        assertThat(field(r, "error")).isEqualTo("insufficient_heap");
        assertThat(field(r, "detail").toString()).contains("ran out of heap").contains("-Xmx");
        assertThat(router.current().revision()).isZero();
        assertThat(log.audit).isEmpty();
    }

    @Test
    void drainBarrierParametersAreChecked() {
        assertThat(mutate("PUT", "/api/v1/groups/g1?wait=now", "{\"state\":\"maintenance\"}").status()).isEqualTo(400);
        assertThat(mutate("PUT", "/api/v1/groups/g1?timeout=5s", "{\"state\":\"maintenance\"}").status()).isEqualTo(400);
        assertThat(mutate("PUT", "/api/v1/groups/g1?wait=drained&timeout=5x", "{\"state\":\"maintenance\"}").status())
                .isEqualTo(400);
        assertThat(mutate("PUT", "/api/v1/groups/g1?wait=drained&close=maybe", "{\"state\":\"maintenance\"}").status())
                .isEqualTo(400);
        assertThat(store.records).as("a refused call changes nothing").isEmpty();
    }

    /** A data plane with a fixed answer: in flight whatever is asked, and a request count. */
    record FixedDataPlane(InflightCount inflight, long lastMinute) implements io.predictor.admin.service.DataPlane {
        @Override
        public java.util.concurrent.CompletableFuture<InflightCount> inflight(long before,
                io.predictor.core.server.SiteMatcher m) {
            return java.util.concurrent.CompletableFuture.completedFuture(inflight);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Integer> closeInflight(long before,
                io.predictor.core.server.SiteMatcher m) {
            return java.util.concurrent.CompletableFuture.completedFuture(inflight.total());
        }

        @Override
        public java.util.concurrent.CompletableFuture<Long> groupRequestsLastMinute(
                io.predictor.core.routing.SiteTable base, String group) {
            return java.util.concurrent.CompletableFuture.completedFuture(lastMinute);
        }
    }

    // ---- found by a review of the admin API against SPEC §5 (each failed before) ----------------

    /** A group name may hold '+'; in a URL path it is a plus (RFC 3986), not the space of a query string. */
    @Test
    void aGroupWithAPlusInItsNameCanBeReadAndFlipped() {
        AdminResponse created = mutate("PUT", "/api/v1/sites/down.example.com",
                "{\"state\":\"maintenance\",\"group\":\"filer+042\"}");
        assertThat(created.status()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/groups/filer+042", "").status()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/groups/filer%2B042", "").status()).isEqualTo(200);
        AdminResponse put = mutate("PUT", "/api/v1/groups/filer+042", "{\"state\":\"hold\"}");
        assertThat(put.status()).as(json(put)).isEqualTo(200);
        assertThat(json(put)).contains("\"group\":\"filer+042\"");
    }

    /** SPEC §5: errors are {"error":..,"detail":..}; the barrier's 504 had no detail. */
    @Test
    void aDrainTimeoutIsAnErrorWithADetail() {
        AdminResponse r = mutate("PUT", "/api/v1/groups/g1?wait=drained&timeout=100ms", "{\"state\":\"maintenance\"}");
        assertThat(r.status()).isEqualTo(504);
        assertThat(field(r, "error")).isEqualTo("drain_timeout");
        assertThat((String) field(r, "detail")).contains("the change is in force").contains("close=true");
    }

    /**
     * A site PUT's ETag is its change's revision. It was read from the table after the change
     * returned, so a concurrent change could slip in: the next If-Match then passed over a change
     * the caller never saw.
     */
    @Test
    void aSitePutsETagIsTheRevisionOfThatChange() throws Exception {
        List<String> mismatches = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        Runnable writer = () -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            String host = Thread.currentThread().getName();
            for (int i = 0; i < 1000 && mismatches.isEmpty(); i++) {
                AdminResponse r = mutate("PUT", "/api/v1/sites/" + host,
                        "{\"state\":\"" + (i % 2 == 0 ? "hold" : "maintenance") + "\"}");
                String tag = r.headers().get("ETag");
                if (!tag.equals("\"" + field(r, "revision") + "\"")) {
                    mismatches.add("body revision " + field(r, "revision") + ", ETag " + tag);
                }
            }
        };
        Thread a = new Thread(writer, "shop.example.com");
        Thread b = new Thread(writer, "down.example.com");
        a.start();
        b.start();
        go.countDown();
        a.join();
        b.join();
        assertThat(mismatches).isEmpty();
    }

    /**
     * A drain barrier may wait up to 10 minutes, its client sending nothing meanwhile: the admin
     * connection's read timeout (60 s) cut such a wait with no answer at all. The idle limit now
     * counts only while no request is being handled (here 1 s, against a 3 s barrier).
     */
    @Test
    void aBarrierLongerThanTheIdleLimitIsAnswered() throws Exception {
        Path tokens = dir.resolve("tokens");
        try (AdminServer server = AdminServer.start(new java.net.InetSocketAddress("127.0.0.1", 0), sites,
                new AdminOptions(AdminTokens.load(tokens, log), () -> true, "1.2.3",
                        new FixedDataPlane(new InflightCount(0, 1), 0)), log, 1);
                java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            String body = "{\"state\":\"maintenance\"}";
            s.getOutputStream().write(("PUT /api/v1/groups/g1?wait=drained&timeout=3s HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nConnection: close\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 504").contains("\"drained\":false");
        }
        try (AdminServer server = AdminServer.start(new java.net.InetSocketAddress("127.0.0.1", 0), sites,
                new AdminOptions(AdminTokens.load(tokens, log), () -> true, "1.2.3",
                        new FixedDataPlane(new InflightCount(0, 0), 0)), log, 1);
                java.net.Socket idle = new java.net.Socket("127.0.0.1", server.port())) {
            idle.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            assertThat(idle.getInputStream().read()).as("an idle connection is still closed").isEqualTo(-1);
            assertThat(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(8_000);
        }
    }

    /** A history page over revisions a restart's compaction did not keep says so ("gap"), instead of skipping them unseen. */
    @Test
    void aHistoryPageOverChangesNotKeptSaysSo() throws Exception {
        MemoryStateStore compacted = new MemoryStateStore();
        for (long rev : new long[] {1, 4, 5}) { // what a snapshot keeps: the last change per site, the newest ones
            compacted.records.add(new io.predictor.admin.state.ChangeRecord(rev, java.time.Instant.EPOCH, "ops", false,
                    new io.predictor.admin.state.Change.Site("h" + rev + ".example", null,
                            new io.predictor.admin.state.Change.Entry(SiteState.HOLD, null))));
        }
        SiteService restarted = new SiteService(Tables.small(), sitesFile, SiteState.LEGACY,
                new Router(RoutingSnapshot.of(Tables.small(), 0, SiteState.LEGACY)), compacted, log, Clock.systemUTC());
        restarted.recover(compacted.load());
        AdminApi a = new AdminApi(restarted, "127.0.0.1", new AdminOptions(null, ready::get, "1.2.3",
                new FixedDataPlane(new InflightCount(0, 0), 0)), log);
        java.util.function.Function<String, String> history = q -> json(a.handle(new AdminRequest("GET",
                "/api/v1/history", new io.netty.handler.codec.http.QueryStringDecoder("/?" + q).parameters(),
                Map.of("host", "localhost:9090"), "", 9090)));
        assertThat(history.apply("since=0")).contains("\"gap\":true,\"complete_from\":4,")
                .contains("changes between revision 1 and 3 are not all kept");
        assertThat(history.apply("since=3")).doesNotContain("gap");
    }

    // ------------------------------------------------------------ security review (listener level)

    private AdminServer startServer(int idleSeconds) throws Exception {
        return AdminServer.start(new java.net.InetSocketAddress("127.0.0.1", 0), sites,
                new AdminOptions(AdminTokens.load(dir.resolve("tokens"), log), () -> true, "1.2.3",
                        new FixedDataPlane(new InflightCount(0, 0), 0)), log, idleSeconds);
    }

    private static String exchange(int port, String request) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Security review: RFC 9112 section 3.2 — a server MUST answer 400 to a request with more
     * than one Host field line. The handler keeps the first value only (putIfAbsent), so the
     * guard passes or refuses depending on the order of the two lines: with "localhost" first,
     * a request that also names evil.example is served.
     */
    @Test
    void aRequestWithTwoHostHeadersIsRefused() throws Exception {
        try (AdminServer server = startServer(60)) {
            String answer = exchange(server.port(), "GET /api/v1/status HTTP/1.1\r\nHost: localhost\r\n"
                    + "Host: evil.example\r\nConnection: close\r\n\r\n");
            assertThat(answer).startsWith("HTTP/1.1 400");
        }
    }

    /**
     * Security review (memory exhaustion): a client that pipelines requests and never reads the
     * answers makes the admin listener queue every answer in the connection's outbound buffer:
     * AdminHttpHandler keeps reading (autoRead is never turned off for a keep-alive connection)
     * and writes with writeAndFlush without looking at isWritable(). Netty's codec stops a
     * connection at 128 unanswered requests, but each 50-byte "GET /console/app.js" (no token
     * needed) queues a 56 KB answer: 60 connections x 127 requests pinned 324 MB of direct
     * memory in this test (the listener takes 64), which the data plane shares in the same JVM. With
     * backpressure each connection would stop being read once its unread answers pass the
     * write-buffer high-water mark (64 KiB by default).
     */
    @Test
    void unreadPipelinedAnswersDoNotPileUpWithoutBound() throws Exception {
        io.netty.buffer.ByteBufAllocatorMetric metric =
                ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT).metric();
        byte[] one = "GET /console/app.js HTTP/1.1\r\nHost: localhost\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 127; i++) {
            burst.write(one);
        }
        List<java.net.Socket> clients = new java.util.ArrayList<>();
        try (AdminServer server = startServer(60)) {
            long before = metric.usedDirectMemory();
            for (int c = 0; c < 60; c++) {
                java.net.Socket s = new java.net.Socket();
                clients.add(s);
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
                s.getOutputStream().write(burst.toByteArray()); // 6 KB: fits the socket buffers
            }
            long peak = 0;
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(6);
            while (System.nanoTime() < deadline) {
                peak = Math.max(peak, metric.usedDirectMemory() - before);
                Thread.sleep(100);
            }
            assertThat(log.eventNames()).as("no connection was cut").doesNotContain("admin_connection_error");
            assertThat(peak).as("direct memory held for 60 connections' unread answers (bytes)")
                    .isLessThan(64L * 1024 * 1024);
        } finally {
            for (java.net.Socket s : clients) {
                s.close();
            }
        }
    }

    /**
     * Security review (slowloris): the idle limit counts time without a byte, not time to send a
     * request, and the listener takes at most 64 connections. 64 connections that each trickle one
     * byte of a request head faster than the idle limit are never closed, and every other client
     * (the operator's curl, the console) is refused for as long as the trickle goes on. Here the
     * idle limit is 1 s; after 3 s of trickling a real request still cannot get in.
     */
    @Test
    void connectionsTricklingARequestHeadDoNotLockOutTheAdminApi() throws Exception {
        try (AdminServer server = startServer(1)) {
            List<java.net.Socket> slow = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < AdminServer.MAX_CONNECTIONS; i++) {
                    java.net.Socket s = new java.net.Socket("127.0.0.1", server.port());
                    s.getOutputStream().write("GET /healthz HTTP/1.1\r\nX-Slow: ".getBytes(
                            java.nio.charset.StandardCharsets.ISO_8859_1));
                    slow.add(s);
                }
                long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < end) {
                    Thread.sleep(300);
                    for (java.net.Socket s : slow) {
                        try {
                            s.getOutputStream().write('a');
                        } catch (java.io.IOException closedByServer) {
                            // what a request-head deadline would do
                        }
                    }
                }
                String answer;
                try {
                    answer = exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
                            + "Connection: close\r\n\r\n");
                } catch (java.io.IOException e) {
                    answer = e.toString();
                }
                assertThat(answer).as("an operator's request while 64 connections trickle; events: " + log.eventNames())
                        .startsWith("HTTP/1.1 200");
            } finally {
                for (java.net.Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    /**
     * A connection whose client pipelines requests and reads no answer holds one answer, not all
     * of them, and is closed after the idle limit: otherwise 64 such clients would hold every
     * admin connection for good.
     */
    @Test
    void aClientThatReadsNoAnswerIsClosedAfterTheIdleLimit() throws Exception {
        byte[] one = "GET /console/app.js HTTP/1.1\r\nHost: localhost\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        try (AdminServer server = startServer(1); java.net.Socket s = new java.net.Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
            for (int i = 0; i < 100; i++) {
                s.getOutputStream().write(one);
            }
            Thread.sleep(3_000); // reading nothing
            s.setSoTimeout(5_000);
            // closed by the listener: what was written before the close, then the end, or a reset
            // (the close found requests it had not read); a live connection times the read out
            java.io.InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            try {
                while (in.read(buf) >= 0) {
                    // drain
                }
            } catch (java.net.SocketException reset) {
                assertThat(reset.getMessage()).contains("reset");
            }
            assertThat(log.eventNames()).doesNotContain("admin_connection_error");
        }
    }
}

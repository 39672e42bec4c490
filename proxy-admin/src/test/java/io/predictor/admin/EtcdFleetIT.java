package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.testing.EtcdServer;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet on a real etcd (issue 9): two or three proxies in this JVM, each with its own data
 * plane, control plane and state directory, sharing one etcd started by the test on free
 * loopback ports. Shared origins answer with their name ("local", "legacy").
 */
class EtcdFleetIT {

    static final String PREFIX = "/predictor-test/";
    static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

    @TempDir
    Path dir;

    EtcdServer etcd;
    RawOrigin local;
    RawOrigin legacy;
    Path sites;
    Path tokens;
    final List<FleetMember> members = new ArrayList<>();
    final CountDownLatch stuck = new CountDownLatch(1);

    RawOrigin origin(String side) throws Exception {
        return new RawOrigin(s -> {
            while (true) {
                String head = RawOrigin.readHead(s.getInputStream());
                if (head == null) {
                    return;
                }
                if (head.startsWith("GET /slow")) {
                    Thread.sleep(700);
                } else if (head.startsWith("GET /stuck")) {
                    stuck.await(30, TimeUnit.SECONDS);
                }
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + side.length() + "\r\n\r\n" + side).getBytes());
                out.flush();
            }
        });
    }

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdServer.start(dir);
        local = origin("local");
        legacy = origin("legacy");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            b.append("s").append(i).append(".example.com legacy filer-1\n");
            b.append("x").append(i).append(".example.com legacy filer-2\n");
        }
        sites = dir.resolve("sites.txt");
        Files.writeString(sites, b);
        tokens = dir.resolve("tokens");
        Files.writeString(tokens, "ops " + FleetMember.TOKEN + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        stuck.countDown();
        Collections.reverse(members);
        for (FleetMember m : members) {
            m.close();
        }
        local.close();
        legacy.close();
        etcd.close();
    }

    FleetMember member(String name) throws Exception {
        FleetMember m = FleetMember.start(name, dir, sites, tokens, etcd.endpoint(), PREFIX, local.address(),
                legacy.address());
        members.add(m);
        return m;
    }

    static long revisionOf(HttpResponse<String> r) {
        Matcher m = REVISION.matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return Long.parseLong(m.group(1));
    }

    static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeoutMillis + "ms waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aChangeThroughOneProxyIsServedByTheOthers() throws Exception {
        FleetMember a = member("a");
        FleetMember b = member("b");
        FleetMember c = member("c");
        List<FleetMember> fleet = List.of(a, b, c);
        for (FleetMember m : fleet) {
            assertThat(m.route("s0.example.com")).isEqualTo("legacy");
        }
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String site = "s" + (i % 10) + ".example.com";
            String state = i >= 10 && i < 20 ? "migrated" : "maintenance"; // through maintenance, both ways
            FleetMember via = fleet.get(i % 3);
            HttpResponse<String> r = via.put("/api/v1/sites/" + site, state);
            long answered = System.nanoTime();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            long rev = revisionOf(r);
            assertThat(via.revision()).as("the proxy that took the call serves the change when it answers")
                    .isGreaterThanOrEqualTo(rev);
            for (FleetMember m : fleet) {
                while (m.revision() < rev) {
                    assertThat(System.nanoTime() - answered).as(m.name + " converges").isLessThan(5_000_000_000L);
                    LockSupport.parkNanos(200_000);
                }
            }
            micros.add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - answered));
            String expected = state.equals("maintenance") ? "503" : state.equals("migrated") ? "local" : "legacy";
            for (FleetMember m : fleet) {
                assertThat(m.route(site)).as(m.name + " routes " + site).isEqualTo(expected);
            }
        }
        Collections.sort(micros);
        String summary = String.format("fleet convergence over %d changes through 3 proxies (answer on one ->"
                + " every router at the new revision): median %.1f ms, p90 %.1f ms, max %.1f ms",
                micros.size(), micros.get(micros.size() / 2) / 1000.0, micros.get(micros.size() * 9 / 10) / 1000.0,
                micros.get(micros.size() - 1) / 1000.0);
        System.out.println(summary);

        HttpResponse<String> fleetView = b.get("/api/v1/fleet");
        assertThat(fleetView.statusCode()).isEqualTo(200);
        assertThat(fleetView.body()).contains("\"store\":\"etcd\"").contains("\"available\":true")
                .contains("\"instance\":\"a\"").contains("\"instance\":\"b\"").contains("\"instance\":\"c\"")
                .contains("\"revision\":30");
        await("every member reports revision 30 with lag 0", 5000, () -> {
            try {
                String body = b.get("/api/v1/fleet").body();
                return body.split("\"lag\":0,").length - 1 == 3;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(a.get("/api/v1/history?since=0&limit=100").body()).isEqualTo(c.get("/api/v1/history?since=0&limit=100").body());
        assertThat(a.get("/api/v1/status").body()).contains("\"store\":{\"kind\":\"etcd\",\"available\":true");
    }

    @Test
    void concurrentConflictingChangesThroughTwoProxiesExactlyOneWins() throws Exception {
        FleetMember a = member("a");
        FleetMember b = member("b");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 8; round++) {
                String site = "/api/v1/sites/s" + round + ".example.com";
                CyclicBarrier go = new CyclicBarrier(2);
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (FleetMember m : List.of(a, b)) {
                    answers.add(pool.submit(() -> {
                        go.await();
                        return m.send("PUT", site, "{\"state\":\"maintenance\",\"expect\":\"legacy\"}");
                    }));
                }
                List<Integer> statuses = new ArrayList<>();
                for (Future<HttpResponse<String>> f : answers) {
                    HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                    statuses.add(r.statusCode());
                    if (r.statusCode() == 409) {
                        assertThat(r.body()).contains("expect_mismatch");
                    }
                }
                assertThat(statuses).as("round " + round).containsExactlyInAnyOrder(200, 409);
            }
            // If-Match on the same revision through both: one 200, one 412
            long rev = a.revision();
            await("b at revision " + rev, 5000, () -> b.revision() == rev);
            CyclicBarrier go = new CyclicBarrier(2);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            int i = 0;
            for (FleetMember m : List.of(a, b)) {
                String site = "/api/v1/sites/x" + i++ + ".example.com";
                answers.add(pool.submit(() -> {
                    go.await();
                    return m.send("PUT", site, "{\"state\":\"maintenance\"}", "If-Match", "\"" + rev + "\"");
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<HttpResponse<String>> f : answers) {
                statuses.add(f.get(30, TimeUnit.SECONDS).statusCode());
            }
            assertThat(statuses).containsExactlyInAnyOrder(200, 412);
            assertThat(a.revision()).isEqualTo(rev + 1);
            // Without preconditions, changes of different sites through both are serialised: both win, in turn.
            go.reset();
            answers.clear();
            i = 5;
            for (FleetMember m : List.of(a, b)) {
                String site = "/api/v1/sites/x" + i++ + ".example.com";
                answers.add(pool.submit(() -> {
                    go.await();
                    return m.put(site, "maintenance");
                }));
            }
            for (Future<HttpResponse<String>> f : answers) {
                assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            await("both at " + (rev + 3), 5000, () -> a.revision() == rev + 3 && b.revision() == rev + 3);
            assertThat(a.get("/api/v1/history?since=0&limit=100").body())
                    .isEqualTo(b.get("/api/v1/history?since=0&limit=100").body());
        } finally {
            pool.shutdownNow();
        }
    }

    void awaitInflight(FleetMember m, int n) throws Exception {
        await(m.name + " has " + n + " in flight", 5000,
                () -> m.proxy.server().inflight(Long.MAX_VALUE, io.predictor.core.server.SiteMatcher.ALL).join().total() == n);
    }

    @Test
    void aSlowRequestOnOneProxyHoldsTheBarrierOfAChangeMadeThroughAnother() throws Exception {
        FleetMember a = member("a");
        FleetMember b = member("b");
        try (RawClient slow = new RawClient(b.proxy.address())) {
            slow.send("GET /slow HTTP/1.1\r\nHost: s1.example.com\r\n\r\n");
            awaitInflight(b, 1);
            long start = System.nanoTime();
            HttpResponse<String> r = a.put("/api/v1/sites/s1.example.com?wait=drained&timeout=10s", "maintenance");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"drained\":true");
            assertThat(tookMs).as("a waited for b's slow request").isGreaterThanOrEqualTo(300);
            assertThat(slow.read().bodyText()).as("the slow request finished normally").isEqualTo("legacy");
            System.out.println("fleet barrier: a's change waited " + tookMs + " ms for b's 700 ms request");
        }
        try (RawClient stuckOnB = new RawClient(b.proxy.address())) {
            stuckOnB.send("GET /stuck HTTP/1.1\r\nHost: x1.example.com\r\n\r\n");
            awaitInflight(b, 1);
            HttpResponse<String> r = a.put("/api/v1/groups/filer-2?wait=drained&timeout=500ms", "maintenance");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
            assertThat(r.body()).contains("\"drained\":false").contains("\"inflight\":1")
                    .contains("\"waiting_for\":[\"b\"]");
        }
        try (RawClient stuckOnB = new RawClient(b.proxy.address())) {
            stuckOnB.send("GET /stuck HTTP/1.1\r\nHost: s2.example.com\r\n\r\n");
            await("b has the request for s2 in flight", 5000, () -> b.proxy.server()
                    .inflight(Long.MAX_VALUE, io.predictor.core.server.SiteMatcher.host("s2.example.com")).join().total() == 1);
            HttpResponse<String> r = a.put("/api/v1/groups/filer-1?wait=drained&timeout=300ms&close=true",
                    "maintenance");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"drained\":true").contains("\"closed\":1");
            assertThat(stuckOnB.closedByPeer()).as("b closed its exchange on a's request").isTrue();
        }
    }

    /** Clients keep requesting x-sites (never changed here) through every proxy; every answer must be a 200. */
    final class Hammer implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong ok = new AtomicLong();
        final Queue<String> problems = new ConcurrentLinkedQueue<>();
        final ExecutorService threads = Executors.newFixedThreadPool(4);

        Hammer(List<FleetMember> fleet) {
            for (int t = 0; t < 4; t++) {
                FleetMember m = fleet.get(t % fleet.size());
                threads.execute(() -> {
                    try (RawClient c = new RawClient(m.proxy.address())) {
                        while (!stop.get()) {
                            String host = "x" + ThreadLocalRandom.current().nextInt(10) + ".example.com";
                            RawClient.Response r = c.get(host, "/");
                            if (r.status() == 200 && r.bodyText().equals("legacy")) {
                                ok.incrementAndGet();
                            } else {
                                problems.add(m.name + " " + host + " -> " + r.status() + " " + r.bodyText());
                            }
                            Thread.sleep(2);
                        }
                    } catch (Exception e) {
                        problems.add(m.name + ": client failed: " + e);
                    }
                });
            }
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            threads.shutdown();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    void assertRefusedWhileAway(FleetMember a, FleetMember b, String site) throws Exception {
        await("both proxies see etcd away", 10_000, () -> !a.storeAvailable() && !b.storeAvailable());
        for (FleetMember m : List.of(a, b)) {
            assertThat(m.get("/readyz").statusCode()).as("ready while etcd is away").isEqualTo(200);
            assertThat(m.get("/api/v1/status").body()).contains("\"store\":{\"kind\":\"etcd\",\"available\":false");
            HttpResponse<String> r = m.put("/api/v1/sites/" + site, "maintenance");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.body()).contains("\"error\":\"state_store_unavailable\"");
            assertThat(m.route(site)).as("nothing changed").isEqualTo("legacy");
        }
    }

    void assertAbsentAndWorkingAgain(FleetMember a, FleetMember b, String refusedSite, String nextSite)
            throws Exception {
        long back = System.nanoTime();
        await("both proxies see etcd back", 20_000, () -> a.storeAvailable() && b.storeAvailable());
        System.out.println("fleet: both proxies took changes again "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back) + " ms after etcd came back");
        long rev = a.revision();
        for (FleetMember m : List.of(a, b)) {
            assertThat(m.revision()).isEqualTo(rev);
            assertThat(m.route(refusedSite)).as("the refused change is absent").isEqualTo("legacy");
            assertThat(m.get("/api/v1/history?since=0&limit=100").body()).doesNotContain(refusedSite);
        }
        HttpResponse<String> r = a.put("/api/v1/sites/" + nextSite, "maintenance");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        long next = revisionOf(r);
        await("b applies " + next, 5000, () -> b.revision() == next);
        assertThat(b.route(nextSite)).isEqualTo("503");
    }

    @Test
    void etcdPausedThenKilledDropsNoRequestAndAcknowledgesNoChange() throws Exception {
        FleetMember a = member("a");
        FleetMember b = member("b");
        assertThat(a.put("/api/v1/sites/s0.example.com", "maintenance").statusCode()).isEqualTo(200);
        try (Hammer hammer = new Hammer(List.of(a, b))) {
            Thread.sleep(200);

            etcd.pause();
            long paused = System.nanoTime();
            assertRefusedWhileAway(a, b, "s1.example.com");
            System.out.println("fleet: etcd SIGSTOPped; both proxies reported it away after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - paused) + " ms");
            etcd.resume();
            assertAbsentAndWorkingAgain(a, b, "s1.example.com", "s2.example.com");

            etcd.kill();
            assertRefusedWhileAway(a, b, "s3.example.com");
            Thread.sleep(1500); // down for a while: the clients' reconnect backoff grows
            etcd.restart();
            assertAbsentAndWorkingAgain(a, b, "s3.example.com", "s4.example.com");

            hammer.close();
            assertThat(hammer.problems).as("every request answered by the origin throughout").isEmpty();
            assertThat(hammer.ok.get()).isGreaterThan(100);
            System.out.println("fleet: " + hammer.ok.get() + " requests served, none failed, across a SIGSTOP and a kill");
        }
    }

    @Test
    void aProxyStartedWhileEtcdIsDownServesItsLastStateThenCatchesUp() throws Exception {
        FleetMember a = member("a");
        FleetMember b = member("b");
        long r1 = revisionOf(a.put("/api/v1/sites/s1.example.com", "maintenance"));
        await("b applies " + r1, 5000, () -> b.revision() == r1);
        members.remove(b);
        b.close();
        long r2 = revisionOf(a.put("/api/v1/sites/s2.example.com", "maintenance"));
        etcd.kill();

        long booting = System.nanoTime();
        FleetMember b2 = member("b");
        System.out.println("fleet: b booted fail-static in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - booting)
                + " ms with etcd down");
        assertThat(b2.storeAvailable()).isFalse();
        assertThat(b2.revision()).as("the last state b applied").isEqualTo(r1);
        assertThat(b2.route("s1.example.com")).isEqualTo("503");
        assertThat(b2.route("s2.example.com")).as("not seen by b yet").isEqualTo("legacy");
        assertThat(b2.get("/readyz").statusCode()).isEqualTo(200);
        assertThat(b2.get("/api/v1/status").body()).contains("\"available\":false");
        assertThat(b2.put("/api/v1/sites/s3.example.com", "maintenance").statusCode()).isEqualTo(503);
        assertThat(b2.log.eventNames()).contains("fleet_joined");

        etcd.restart();
        await("b catches up to " + r2, 20_000, () -> b2.revision() == r2);
        assertThat(b2.route("s2.example.com")).isEqualTo("503");
        await("b takes changes", 10_000, b2::storeAvailable);
        long r3 = revisionOf(b2.put("/api/v1/sites/s3.example.com", "maintenance"));
        await("a applies " + r3, 5000, () -> a.revision() == r3);
        assertThat(a.route("s3.example.com")).isEqualTo("503");
    }

    /**
     * A member that crashed stays registered without a live key: GET /api/v1/fleet shows it
     * {@code "live":false}, and a barrier waits for it (it may still serve the old way) until an
     * operator forgets it; a live member cannot be forgotten.
     */
    @Test
    void aCrashedMemberHoldsTheBarrierUntilAnOperatorForgetsIt() throws Exception {
        FleetMember a = member("a");
        FleetMember b = member("b");
        try (io.etcd.jetcd.Client admin = io.etcd.jetcd.Client.builder().endpoints(etcd.endpoint()).build()) {
            // c ran, then died with kill -9: its lease is gone, its registration stays
            admin.getKVClient().put(io.etcd.jetcd.ByteSequence.from(PREFIX + "registered/c", java.nio.charset.StandardCharsets.UTF_8),
                    io.etcd.jetcd.ByteSequence.from("{\"instance\":\"c\",\"time\":\"2026-12-07T22:00:00Z\"}",
                            java.nio.charset.StandardCharsets.UTF_8)).get();
        }
        assertThat(a.get("/api/v1/fleet").body()).contains("{\"instance\":\"c\",\"live\":false,\"revision\":null,"
                + "\"lag\":null,\"registered\":\"2026-12-07T22:00:00Z\",\"self\":false}");

        HttpResponse<String> held = a.put("/api/v1/sites/s1.example.com?wait=drained&timeout=1s", "maintenance");
        assertThat(held.statusCode()).as(held.body()).isEqualTo(504);
        assertThat(held.body()).contains("\"drained\":false", "\"waiting_for\":[\"c\"]");

        HttpResponse<String> live = a.send("DELETE", "/api/v1/fleet/members/b", null);
        assertThat(live.statusCode()).as(live.body()).isEqualTo(409);
        assertThat(live.body()).contains("member_live");
        HttpResponse<String> forgotten = a.send("DELETE", "/api/v1/fleet/members/c", null);
        assertThat(forgotten.statusCode()).as(forgotten.body()).isEqualTo(200);
        assertThat(forgotten.body()).isEqualTo("{\"instance\":\"c\",\"forgotten\":true}\n");
        assertThat(a.send("DELETE", "/api/v1/fleet/members/c", null).statusCode()).isEqualTo(404);

        HttpResponse<String> drained = b.put("/api/v1/sites/s2.example.com?wait=drained&timeout=5s", "maintenance");
        assertThat(drained.statusCode()).as(drained.body()).isEqualTo(200);
        assertThat(drained.body()).contains("\"drained\":true");
    }
}

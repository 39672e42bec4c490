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
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's promise under load (issue 5): clients hammer a group of sites — plain, slow and
 * streaming requests — while the group is cycled legacy → maintenance (wait=drained) → migrated
 * → maintenance (wait=drained) → legacy. Both origins record every request's site and start and
 * end time. No request may be served by the old side after its barrier answered, none by the
 * new side before its flip, and every client request gets a full answer from exactly one side or
 * a 503 from the proxy.
 */
class SplitBrainInvariantIT {

    static final String TOKEN = "split-brain-test-token-0123456789";
    static final int SITES = 8;
    static final int CYCLES = 8;
    static final int CLIENTS = 6;

    record Served(String side, String host, long start, long end) {
    }

    record Window(long start, long end) {
        boolean covers(Served s) {
            return s.start() >= start && s.end() <= end;
        }
    }

    @TempDir
    Path dir;

    final Queue<Served> served = new ConcurrentLinkedQueue<>();
    final Queue<String> clientProblems = new ConcurrentLinkedQueue<>();
    final int[] answers = new int[3]; // local, legacy, 503

    RawOrigin origin(String side) throws Exception {
        return new RawOrigin(s -> {
            while (true) {
                String head = RawOrigin.readHead(s.getInputStream());
                if (head == null) {
                    return;
                }
                long start = System.nanoTime();
                String host = head.substring(head.indexOf("Host: ") + 6, head.indexOf("\r\n", head.indexOf("Host: ")));
                OutputStream out = s.getOutputStream();
                if (head.startsWith("GET /slow")) {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(50, 400));
                }
                // "end" is taken just before the last write: the origin's part is over once its last
                // byte leaves, and the proxy can only finish relaying after that
                long end;
                if (head.startsWith("GET /stream")) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + (side.length() + 1000) + "\r\n\r\n" + side)
                            .getBytes());
                    for (int i = 0; i < 9; i++) {
                        out.write(new byte[100]);
                        out.flush();
                        Thread.sleep(15);
                    }
                    end = System.nanoTime();
                    out.write(new byte[100]);
                } else {
                    end = System.nanoTime();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + side.length() + "\r\n\r\n" + side).getBytes());
                }
                out.flush();
                served.add(new Served(side, host, start, end));
            }
        });
    }

    void client(TestProxy proxy, AtomicBoolean stop) {
        String[] paths = {"/", "/", "/slow", "/stream"};
        RawClient c = null;
        try {
            while (!stop.get()) {
                if (c == null) {
                    c = new RawClient(proxy.address());
                }
                String host = "s" + ThreadLocalRandom.current().nextInt(SITES) + ".example.com";
                String path = paths[ThreadLocalRandom.current().nextInt(paths.length)];
                RawClient.Response r = c.get(host, path);
                String body = r.bodyText();
                if (r.status() == 503) {
                    count(2);
                } else if (r.status() == 200 && body.startsWith("local")) {
                    count(0);
                    checkLength(path, body, "local");
                } else if (r.status() == 200 && body.startsWith("legacy")) {
                    count(1);
                    checkLength(path, body, "legacy");
                } else {
                    clientProblems.add(host + path + " -> " + r.status() + " " + body);
                }
            }
        } catch (Exception e) {
            clientProblems.add("client failed: " + e);
        } finally {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing a socket at the end of the test
            }
        }
    }

    void checkLength(String path, String body, String side) {
        int expected = side.length() + (path.equals("/stream") ? 1000 : 0);
        if (body.length() != expected) {
            clientProblems.add(path + ": incomplete answer from " + side + ": " + body.length() + " bytes");
        }
    }

    synchronized void count(int i) {
        answers[i]++;
    }

    @Test
    void noSiteIsEverServedByBothSides() throws Exception {
        StringBuilder sites = new StringBuilder();
        SiteTable.Builder b = new SiteTable.Builder(SITES, 64 * SITES, 0, 0);
        for (int i = 0; i < SITES; i++) {
            b.add("s" + i + ".example.com", SiteState.LEGACY, "filer-1");
            sites.append("s").append(i).append(".example.com legacy filer-1\n");
        }
        SiteTable base = b.build();
        Path sitesFile = dir.resolve("sites.txt");
        Files.writeString(sitesFile, sites);
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "ops " + TOKEN + "\n");
        JsonLinesLog quiet = new JsonLinesLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        AtomicBoolean stop = new AtomicBoolean();
        List<Window> legacy = new ArrayList<>();
        List<Window> local = new ArrayList<>();
        long legacySince = Long.MIN_VALUE;
        try (RawOrigin localOrigin = origin("local"); RawOrigin legacyOrigin = origin("legacy");
                TestProxy proxy = new TestProxy(base, localOrigin.address(), legacyOrigin.address());
                ControlPlane plane = ControlPlane.start(
                        TestConfigs.controlPlane("127.0.0.1", tokens, sitesFile, dir.resolve("state")),
                        proxy.router(), base, () -> true,
                        new ControlPlane.Options(quiet, quiet, Clock.systemUTC(), 1000,
                                new ProxyDataPlane(proxy.server())))) {
            for (int i = 0; i < CLIENTS; i++) {
                clients.execute(() -> client(proxy, stop));
            }
            Thread.sleep(200);
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                long[] t = flip(http, plane, "maintenance", true);
                legacy.add(new Window(legacySince, t[1]));
                Thread.sleep(50);
                long localSince = flip(http, plane, "migrated", false)[0];
                Thread.sleep(150);
                t = flip(http, plane, "maintenance", true);
                local.add(new Window(localSince, t[1]));
                Thread.sleep(50);
                legacySince = flip(http, plane, "legacy", false)[0];
                Thread.sleep(150);
            }
            stop.set(true);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        legacy.add(new Window(legacySince, Long.MAX_VALUE)); // the group ends in legacy
        assertThat(clientProblems).as("every answer complete, from one side, or a 503").isEmpty();
        assertThat(answers[0]).as("answers from local").isPositive();
        assertThat(answers[1]).as("answers from legacy").isPositive();
        assertThat(answers[2]).as("503s during maintenance").isPositive();
        List<Served> outside = new ArrayList<>();
        for (Served s : served) {
            List<Window> allowed = s.side().equals("local") ? local : legacy;
            if (allowed.stream().noneMatch(w -> w.covers(s))) {
                outside.add(s);
            }
        }
        assertThat(outside).as("requests served outside their side's window (split brain); local windows "
                + local + ", legacy windows " + legacy).isEmpty();
        assertThat(served.size()).isGreaterThan(100);
    }

    /** PUTs the group's state; returns {sent, answered} in System.nanoTime. */
    long[] flip(HttpClient http, ControlPlane plane, String state, boolean barrier) throws Exception {
        String query = barrier ? "?wait=drained&timeout=30s" : "";
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.adminPort()
                        + "/api/v1/groups/filer-1" + query))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"state\":\"" + state + "\"}"))
                .build();
        long sent = System.nanoTime();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        long answered = System.nanoTime();
        assertThat(r.statusCode()).as(state + ": " + r.body()).isEqualTo(200);
        if (barrier) {
            assertThat(r.body()).contains("\"drained\":true");
        }
        return new long[] {sent, answered};
    }
}

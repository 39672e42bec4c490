package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.predictor.core.routing.SiteState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real program ({@code target/predictor.jar}) as a child process and kills it with
 * SIGKILL at random moments while concurrent writers change sites and a group, 20 times, with
 * the journal compacting every 25 records. After each restart: every change that
 * was acknowledged is there (or the change its writer sent next, unanswered, which may or may
 * not have made it), the group is never half flipped, and the revision never goes back.
 */
class ControlPlaneCrashIT {

    static final String TOKEN = "crash-token-0123456789abcdef";
    static final int ROUNDS = 20;
    static final int WRITERS = 4;
    static final int HOSTS_PER_WRITER = 4;
    static final String GROUP = "crash-g";
    static final int GROUP_SITES = 30;
    static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");
    static final Pattern STATE = Pattern.compile("\"state\":\"(\\w+)\"");

    @TempDir
    Path dir;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** What a host (or the group) must show after a restart: the acknowledged value, or the unanswered one after it. */
    static final class Expectation {
        volatile String acked;
        volatile String pending;

        boolean allows(String seen) {
            return seen != null && (seen.equals(acked) || seen.equals(pending)) || seen == null && acked == null;
        }
    }

    @Test
    void acknowledgedChangesSurviveKillNineAtRandomMoments() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path sites = dir.resolve("sites.txt");
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < GROUP_SITES; i++) {
            file.append("g").append(i).append(".crash.example legacy ").append(GROUP).append('\n');
        }
        Files.writeString(sites, file);
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "crash " + TOKEN + "\n");
        Path state = dir.resolve("state");

        Map<String, Expectation> hosts = new ConcurrentHashMap<>();
        for (int w = 0; w < WRITERS; w++) {
            for (int h = 0; h < HOSTS_PER_WRITER; h++) {
                hosts.put("w" + w + "-" + h + ".crash.example", new Expectation());
            }
        }
        Expectation group = new Expectation();
        group.acked = "legacy";
        Map<Long, String> ackedRevisions = new ConcurrentHashMap<>();
        long lastRevision = 0;

        for (int round = 0; round < ROUNDS; round++) {
            Path out = dir.resolve("server-" + round + ".log");
            int port = ProgramIT.freePort();
            Path config = writeConfig(dir.resolve("predictor-" + round + ".yaml"), port, state, sites, tokens);
            Process p = startServer(config, out);
            try {
                ProgramIT.awaitReady(p, port, out);
                lastRevision = verify(port, hosts, group, lastRevision, ackedRevisions, "round " + round + " seed " + seed);
                List<Thread> writers = new ArrayList<>();
                java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
                for (int w = 0; w < WRITERS; w++) {
                    List<String> own = new ArrayList<>();
                    for (int h = 0; h < HOSTS_PER_WRITER; h++) {
                        own.add("w" + w + "-" + h + ".crash.example");
                    }
                    long writerSeed = random.nextLong();
                    writers.add(new Thread(() -> writeUntilKilled(port, own, hosts, null, killed, writerSeed,
                            ackedRevisions)));
                }
                long groupSeed = random.nextLong();
                writers.add(new Thread(() -> writeUntilKilled(port, List.of(GROUP), Map.of(GROUP, group), GROUP,
                        killed, groupSeed, ackedRevisions)));
                writers.forEach(Thread::start);
                Thread.sleep(50 + random.nextInt(400));
                killed.set(true);
                p.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush, no close
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                for (Thread t : writers) {
                    t.join(15_000);
                    assertThat(t.isAlive()).as("writer stopped").isFalse();
                }
            } finally {
                p.destroyForcibly();
            }
        }
        Path out = dir.resolve("server-final.log");
        int port = ProgramIT.freePort();
        Process p = startServer(writeConfig(dir.resolve("predictor-final.yaml"), port, state, sites, tokens), out);
        try {
            ProgramIT.awaitReady(p, port, out);
            long finalRevision = verify(port, hosts, group, lastRevision, ackedRevisions, "final, seed " + seed);
            assertThat(ackedRevisions).as("writers got through").hasSizeGreaterThan(ROUNDS * 5);
            assertThat(finalRevision).isGreaterThanOrEqualTo(ackedRevisions.keySet().stream().mapToLong(Long::longValue)
                    .max().orElse(0));
            verifyHistory(port, ackedRevisions, seed);
        } finally {
            p.destroyForcibly();
        }
    }

    private void writeUntilKilled(int port, List<String> own, Map<String, Expectation> expectations, String group,
            java.util.concurrent.atomic.AtomicBoolean killed, long seed, Map<Long, String> ackedRevisions) {
        Random random = new Random(seed);
        SiteState[] states = SiteState.values();
        for (int i = 0; !killed.get(); i++) {
            String name = own.get(i % own.size());
            Expectation e = expectations.get(name);
            String next = states[random.nextInt(states.length)].wireName();
            String path = group != null ? "/api/v1/groups/" + group : "/api/v1/sites/" + name;
            e.pending = next;
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + TOKEN)
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"state\":\"" + next + "\",\"force\":true}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new AssertionError("PUT " + path + " answered " + r.statusCode() + ": " + r.body());
                }
                Matcher m = REVISION.matcher(r.body());
                assertThat(m.find()).isTrue();
                String previous = ackedRevisions.put(Long.parseLong(m.group(1)), name + " " + next);
                assertThat(previous).as("revision %s acknowledged twice", m.group(1)).isNull();
                e.acked = next;
                e.pending = null;
            } catch (IOException ex) {
                return; // the process was killed: this change is unacknowledged and stays pending
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Checks every expectation against the restarted process; afterwards what it shows is the new baseline. */
    private long verify(int port, Map<String, Expectation> hosts, Expectation group, long lastRevision,
            Map<Long, String> ackedRevisions, String when) throws Exception {
        for (Map.Entry<String, Expectation> e : hosts.entrySet()) {
            HttpResponse<String> r = get(port, "/api/v1/sites/" + e.getKey());
            String seen = null;
            if (r.statusCode() == 200) {
                Matcher m = STATE.matcher(r.body());
                assertThat(m.find()).isTrue();
                seen = m.group(1);
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
            }
            Expectation x = e.getValue();
            if (!x.allows(seen)) {
                fail("%s: %s shows %s; acknowledged %s, unanswered %s", when, e.getKey(), seen, x.acked, x.pending);
            }
            x.acked = seen;
            x.pending = null;
        }
        // only the "sites" object: the answer also carries in-flight counts by route
        String counts = get(port, "/api/v1/groups/" + GROUP).body().replaceAll("(?s).*\"sites\":\\{([^}]*)}.*", "$1");
        String whole = null;
        for (SiteState s : SiteState.values()) {
            int n = Integer.parseInt(counts.replaceAll(".*\"" + s.wireName() + "\":(\\d+).*\\s*", "$1"));
            if (n == GROUP_SITES) {
                whole = s.wireName();
            } else if (n != 0) {
                fail("%s: group half flipped: %s", when, counts);
            }
        }
        if (!group.allows(whole)) {
            fail("%s: group shows %s; acknowledged %s, unanswered %s", when, whole, group.acked, group.pending);
        }
        group.acked = whole;
        group.pending = null;
        Matcher m = REVISION.matcher(get(port, "/api/v1/status").body());
        assertThat(m.find()).isTrue();
        long revision = Long.parseLong(m.group(1));
        long maxAcked = ackedRevisions.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        assertThat(revision).as(when + ": revision never goes back").isGreaterThanOrEqualTo(Math.max(lastRevision, maxAcked));
        return revision;
    }

    /** Every acknowledged revision is in the history, naming the same change. */
    private void verifyHistory(int port, Map<Long, String> ackedRevisions, long seed) throws Exception {
        Map<Long, String> history = new HashMap<>();
        Pattern entry = Pattern.compile("\\{\"revision\":(\\d+),\"time\":\"[^\"]+\",\"who\":\"crash\",\"what\":\"(site|group) ([^\"]+)\","
                + "\"before\":(?:null|\\{[^}]*}),\"after\":\\{\"state\":\"(\\w+)\"");
        String next = "0";
        while (next != null) {
            String body = get(port, "/api/v1/history?limit=1000&since=" + next).body();
            Matcher m = entry.matcher(body);
            while (m.find()) {
                history.put(Long.parseLong(m.group(1)), m.group(3) + " " + m.group(4));
            }
            Matcher n = Pattern.compile("\"next\":(\\d+|null)}").matcher(body);
            assertThat(n.find()).isTrue();
            next = n.group(1).equals("null") ? null : n.group(1);
        }
        for (Map.Entry<Long, String> a : ackedRevisions.entrySet()) {
            assertThat(history.get(a.getKey())).as("revision %d in history (seed %d)", a.getKey(), seed)
                    .isEqualTo(a.getValue());
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A config for the real program: the admin API on {@code adminPort}, the data plane on another free port. */
    private static Path writeConfig(Path file, int adminPort, Path state, Path sites, Path tokens) throws IOException {
        Files.writeString(file, String.join("\n",
                "instance: crash-test",
                "listeners:",
                "  - name: http",
                "    bind: 127.0.0.1:" + ProgramIT.freePort(),
                "admin:",
                "  bind: 127.0.0.1:" + adminPort,
                "  tokens_file: " + tokens.toAbsolutePath(),
                "pools:",
                "  local: { servers: [127.0.0.1:" + ProgramIT.freePort() + "] }",
                "  legacy: { servers: [127.0.0.1:" + ProgramIT.freePort() + "] }",
                "routing:",
                "  sites_file: " + sites.toAbsolutePath(),
                "  default: legacy",
                "state:",
                "  store: file",
                "  path: " + state.toAbsolutePath(),
                "runtime: { event_loops: 1 }",
                ""));
        return file;
    }

    /** The packaged program with a small heap, C1 only (quick to start) and a journal that compacts every 25 records. */
    private static Process startServer(Path config, Path out) throws IOException {
        return ProgramIT.start(out, List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Dpredictor.journal.segmentRecords=25"), "--config", config.toString());
    }
}

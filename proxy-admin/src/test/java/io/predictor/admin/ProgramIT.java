package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real program, {@code target/predictor.jar}, as a newcomer and an operator run it. */
class ProgramIT {

    @TempDir
    Path dir;

    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * {@code n} different free ports: all are held open until every one is chosen (one after the
     * other, a port closed may be handed out again, and a program given the same port twice
     * would not start).
     */
    static int[] freePorts(int n) throws IOException {
        ServerSocket[] held = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                held[i] = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                ports[i] = held[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    Process start(Path out, String... args) throws IOException {
        return start(out, List.of("-Xmx256m"), args);
    }

    /** The packaged program with {@code jvm} options, its output (stdout and stderr) to {@code out}. */
    static Process start(Path out, List<String> jvm, String... args) throws IOException {
        return new ProcessBuilder(command(jvm, args)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    /** SIGTERM, then SIGKILL if the program has not ended 30 s later. */
    static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /** The command line of the packaged program with {@code jvm} options and {@code args}. */
    static List<String> command(List<String> jvm, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return Stream.of(Stream.of(java), jvm.stream(), Stream.of("-jar", "target/predictor.jar"), Stream.of(args))
                .flatMap(x -> x).toList();
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void awaitReady(Process p, int adminPort, Path out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                if (get(adminPort, "/readyz").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not yet
            }
            assertThat(p.isAlive()).as(Files.readString(out)).isTrue();
            Thread.sleep(25);
        }
        throw new AssertionError("not ready in 30 s:\n" + Files.readString(out));
    }

    /** The shipped config/ copied to a temp dir, with free ports instead of 8080/9090/8081/8082. */
    Path shippedConfigOnFreePorts(int[] ports) throws IOException {
        return shippedConfigOnFreePorts(dir, ports);
    }

    /** The shipped config/ copied to {@code dir}/config, with {@code ports} instead of 8080/9090/8081/8082. */
    static Path shippedConfigOnFreePorts(Path dir, int[] ports) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        for (String f : new String[] {"predictor.yaml", "sites.txt", "admin-tokens"}) {
            Files.copy(Path.of("..", "config", f), config.resolve(f));
        }
        String yaml = Files.readString(config.resolve("predictor.yaml"))
                .replace("127.0.0.1:8080", "127.0.0.1:" + ports[0])
                .replace("127.0.0.1:9090", "127.0.0.1:" + ports[1])
                .replace("127.0.0.1:8081", "127.0.0.1:" + ports[2])
                .replace("127.0.0.1:8082", "127.0.0.1:" + ports[3]);
        Files.writeString(config.resolve("predictor.yaml"), yaml);
        return config.resolve("predictor.yaml");
    }

    @Test
    void checkAcceptsTheShippedConfig() throws Exception {
        Path out = dir.resolve("check.log");
        Process p = start(out, "--config", "../config/predictor.yaml", "--check");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(out)).startsWith("ok: 8 sites (");
    }

    @Test
    void theDemoAnswersAndTheFlipItPrintsWorks() throws Exception {
        int[] ports = freePorts(4);
        Path config = shippedConfigOnFreePorts(ports);
        Path out = dir.resolve("demo.log");
        Process p = start(out, "--config", config.toString(), "--demo");
        try {
            awaitReady(p, ports[1], out);
            InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", ports[0]);
            try (RawClient c = new RawClient(proxy)) {
                assertThat(c.get("www.example.com", "/").bodyText()).startsWith("Hello from local");
                assertThat(c.get("www.example.org", "/").bodyText()).startsWith("Hello from legacy");
                assertThat(c.get("blog.example.com", "/").status()).isEqualTo(503);
                assertThat(c.get("unknown.example", "/").bodyText()).startsWith("Hello from legacy");
            }
            // the demo prints the flip through the admin API, with the demo's token: run it as printed
            String printed = Files.readString(out);
            assertThat(printed).as("a request per state (SPEC §2), hold included").contains("Host: api.example.org'");
            Matcher m = Pattern.compile("curl -s -X PUT (\\S+) -H 'Authorization: Bearer (\\S+)' -d '(\\{[^']+})'")
                    .matcher(printed);
            int flips = 0;
            while (m.find()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.group(1)))
                        .header("Authorization", "Bearer " + m.group(2))
                        .PUT(HttpRequest.BodyPublishers.ofString(m.group(3))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                flips++;
            }
            assertThat(flips).isEqualTo(2);
            try (RawClient c = new RawClient(proxy)) {
                assertThat(c.get("shop.example.org", "/").bodyText()).startsWith("Hello from local");
            }
            // the packaged jar exposes its meters (shaded Prometheus client included)
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ports[1] + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("predictor_requests_total{code=\"200\",route=\"local\"} 2.0")
                    .contains("predictor_requests_total{code=\"503\",route=\"maintenance\"} 1.0")
                    .contains("predictor_state_changes_total{kind=\"site\"} 2.0")
                    .contains("predictor_table_revision 2.0").contains("jvm_memory_used_bytes");
        } finally {
            p.destroy();
            boolean exited = p.waitFor(30, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly();
            }
            assertThat(exited).isTrue();
        }
        assertThat(p.exitValue()).as("SIGTERM exits 0").isZero();
        // the access log (batched per event loop) has every request, the last ones flushed at exit
        String log = Files.readString(out);
        assertThat(log).containsPattern("\\{\"time\":\"[0-9T:.-]+Z\",\"log\":\"access\",\"listener\":\"[^\"]+\","
                + "\"client\":\"127.0.0.1\",\"host\":\"www.example.com\",\"method\":\"GET\",\"path\":\"/\",\"status\":200,"
                + "\"route\":\"local\",\"upstream\":\"[^\"]+\",\"bytes_in\":\\d+,\"bytes_out\":\\d+,\"duration_ms\":[0-9.]+,"
                + "\"revision\":0}");
        assertThat(log).contains("\"host\":\"shop.example.org\",\"method\":\"GET\",\"path\":\"/\",\"status\":200,"
                + "\"route\":\"local\"");
        assertThat(log.lines().filter(l -> l.contains("\"log\":\"access\""))).hasSize(5);
    }

    @Test
    void runtimeAccessLogFalseLogsNoRequestsButStillCountsThem() throws Exception {
        int[] ports = freePorts(4);
        Path config = shippedConfigOnFreePorts(ports);
        Files.writeString(config, Files.readString(config).replace("access_log: true", "access_log: false"));
        Path out = dir.resolve("nolog.log");
        Process p = start(out, "--config", config.toString(), "--demo");
        try {
            awaitReady(p, ports[1], out);
            try (RawClient c = new RawClient(new InetSocketAddress("127.0.0.1", ports[0]))) {
                assertThat(c.get("www.example.com", "/").status()).isEqualTo(200);
            }
            HttpResponse<String> metrics = get(ports[1], "/metrics");
            assertThat(metrics.body()).contains("predictor_requests_total{code=\"200\",route=\"local\"} 1.0");
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(out)).contains("\"log\":\"event\"").doesNotContain("\"log\":\"access\"");
    }

    @Test
    void sigtermFinishesInFlightRequestsThenExitsZero() throws Exception {
        try (RawOrigin slow = new RawOrigin(s -> {
            while (RawOrigin.readHead(s.getInputStream()) != null) {
                Thread.sleep(1500);
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
            }
        })) {
            int proxyPort = freePort();
            int adminPort = freePort();
            Path sites = dir.resolve("sites.txt");
            Files.writeString(sites, "www.example.com migrated\n");
            Path config = dir.resolve("predictor.yaml");
            Files.writeString(config, String.join("\n",
                    "instance: drain-test",
                    "listeners: [{ name: http, bind: 127.0.0.1:" + proxyPort + " }]",
                    "admin: { bind: 127.0.0.1:" + adminPort + " }",
                    "pools:",
                    "  local: { servers: [127.0.0.1:" + slow.address().getPort() + "] }",
                    "  legacy: { servers: [127.0.0.1:" + slow.address().getPort() + "] }",
                    "routing: { sites_file: sites.txt }",
                    "state: { path: state }",
                    "timeouts: { drain: 10s }",
                    ""));
            Path out = dir.resolve("drain.log");
            Process p = start(out, "--config", config.toString());
            awaitReady(p, adminPort, out);
            try (RawClient inFlight = new RawClient(new InetSocketAddress("127.0.0.1", proxyPort))) {
                inFlight.send("GET /slow HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
                Thread.sleep(300);
                p.destroy(); // SIGTERM
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                int ready = 200;
                while (ready == 200 && System.nanoTime() < deadline) {
                    ready = get(adminPort, "/readyz").statusCode();
                    Thread.sleep(20);
                }
                assertThat(ready).as("/readyz while draining").isEqualTo(503);
                assertThat(canConnect(proxyPort)).as("no longer accepting").isFalse();
                RawClient.Response r = inFlight.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("done");
                assertThat(r.header("connection")).isEqualTo("close");
            } finally {
                p.destroy(); // SIGTERM again: harmless when it already went, a clean stop when a check failed first
                boolean exited = p.waitFor(30, TimeUnit.SECONDS);
                if (!exited) {
                    p.destroyForcibly();
                }
                assertThat(exited).as(Files.readString(out)).isTrue();
            }
            assertThat(p.exitValue()).as(Files.readString(out)).isZero();
            assertThat(Files.readString(out)).contains("\"event\":\"drained\"").contains("\"clean\":true");
        }
    }

    @Test
    void aSitesFileWithProblemsStopsTheStartWithEachProblemListed() throws Exception {
        // every problem is listed with its line, the start stops (exit 1) and nothing listens
        int proxyPort = freePort();
        int tlsPort = freePort();
        int adminPort = freePort();
        Files.writeString(dir.resolve("bad-sites.txt"), "www.example.com migrated\nshop.example.com mirgated\n");
        Path config = dir.resolve("bad-sites.yaml");
        String common = String.join("\n",
                "admin: { bind: 127.0.0.1:" + adminPort + " }",
                "pools:",
                "  local: { servers: [127.0.0.1:1] }",
                "  legacy: { servers: [127.0.0.1:1] }",
                "routing: { sites_file: bad-sites.txt }",
                "state: { path: bad-sites-state }",
                "");
        Files.writeString(config, "instance: bad-sites\nlisteners: [{ name: http, bind: 127.0.0.1:" + proxyPort + " }]\n"
                + common);
        assertThat(startFails(config, "bad-sites.log")).contains("bad-sites.txt:2: unknown state 'mirgated' for shop.example.com")
                .doesNotContain("\"event\":\"listening\"");
        assertThat(canConnect(proxyPort)).isFalse();

        // a TLS listener whose certificates cannot be used either: the sites file is read first,
        // and its problems are the ones reported
        Files.writeString(config, "instance: bad-sites\nlisteners:\n"
                + "  - { name: http, bind: 127.0.0.1:" + proxyPort + " }\n"
                + "  - { name: https, bind: 127.0.0.1:" + tlsPort + ", tls: { certificates: no-such-dir } }\n" + common);
        assertThat(startFails(config, "bad-sites-tls.log")).contains("bad-sites.txt:2: unknown state 'mirgated'")
                .doesNotContain("start_failed");
    }

    /** Starts with {@code config}, expects exit 1 within a minute; the output. */
    private String startFails(Path config, String outName) throws Exception {
        Path out = dir.resolve(outName);
        Process p = start(out, "--config", config.toString());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(out)).isEqualTo(1);
        return Files.readString(out);
    }

    static boolean canConnect(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

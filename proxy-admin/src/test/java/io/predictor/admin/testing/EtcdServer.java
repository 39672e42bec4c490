package io.predictor.admin.testing;

import java.io.IOException;
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
import org.junit.jupiter.api.Assumptions;

/**
 * A real etcd server (Debian's {@code etcd-server}, {@code /usr/bin/etcd}) on free loopback
 * ports with its own data directory, for the fleet tests: paused with SIGSTOP, resumed with
 * SIGCONT, killed and restarted on the same ports and data. Without the binary a test is skipped,
 * unless {@code CI} is set: there the binary is required ({@code scripts/install-test-deps}
 * installs it) and its absence fails the test.
 */
public final class EtcdServer implements AutoCloseable {

    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/bin/etcd"), Path.of("/usr/local/bin/etcd"));

    private final Path binary;
    private final Path dataDir;
    private final Path logFile;
    private final int clientPort;
    private final int peerPort;
    private Process process;

    private EtcdServer(Path binary, Path dir) throws IOException {
        this.binary = binary;
        this.dataDir = dir.resolve("etcd-data");
        this.logFile = dir.resolve("etcd.log");
        this.clientPort = freePort();
        int p = freePort();
        while (p == clientPort) {
            p = freePort();
        }
        this.peerPort = p;
    }

    /** Starts etcd under {@code dir}; skips the test when etcd is not installed (fails under CI). */
    public static EtcdServer start(Path dir) throws Exception {
        Path binary = CANDIDATES.stream().filter(Files::isExecutable).findFirst().orElse(null);
        if (binary == null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isEmpty() && !ci.equals("false")) {
                throw new AssertionError("etcd is not installed (looked for " + CANDIDATES + "), and CI is set:"
                        + " the fleet tests must run here. scripts/install-test-deps installs Debian's etcd-server.");
            }
            Assumptions.abort("etcd is not installed (looked for " + CANDIDATES + "): fleet test skipped."
                    + " Run scripts/install-test-deps (Debian's etcd-server) to run it.");
        }
        EtcdServer s = new EtcdServer(binary, dir);
        s.launch();
        return s;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGSTOP: the process stays, its sockets accept, and nothing answers. */
    public void pause() throws Exception {
        signal("-STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws Exception {
        signal("-CONT");
    }

    /** SIGKILL, and wait for the process to be gone. */
    public void kill() throws Exception {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("etcd did not die");
        }
    }

    /** Starts etcd again on the same ports and data directory (after {@link #kill()}). */
    public void restart() throws Exception {
        launch();
    }

    /** etcd loses its data (a disk replaced, a cluster re-created empty): SIGKILL, the data directory removed, started again. */
    public void wipe() throws Exception {
        kill();
        try (var files = Files.walk(dataDir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
        launch();
    }

    private void launch() throws Exception {
        String client = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        ProcessBuilder pb = new ProcessBuilder(binary.toString(),
                "--name", "fleet-test",
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "fleet-test=" + peer,
                "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = pb.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(client + "/health"))
                        .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("true")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("etcd did not become healthy in 20s:\n" + log());
            }
            Thread.sleep(50);
        }
    }

    private String log() {
        try {
            return Files.readString(logFile);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void signal(String sig) throws Exception {
        Process kill = new ProcessBuilder("kill", sig, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill " + sig + " " + process.pid() + " failed");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly(); // SIGKILL ends a stopped process too
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

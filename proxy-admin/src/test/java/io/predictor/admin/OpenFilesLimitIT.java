package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged program under an open-files limit of 1,024 ({@code ulimit -n}): it lowers
 * {@code limits.max_connections} (50,000) to what the limit leaves room for, two descriptors a
 * connection, and says so. A flood of connections larger than the limit is then closed at the
 * door, and a client already connected still gets its answers, each through a new origin
 * connection (a descriptor the proxy must still have). Without the lowering the proxy held
 * connections until accept failed with EMFILE, and the client already in got 502s.
 *
 * <p>While the flood comes in, accept may still fail with EMFILE for a moment: the kernel hands
 * out a burst of accepted connections before the proxy has closed the ones over the limit.
 * Netty then stops accepting for a second and logs a warning; that is not what this test is about.
 */
class OpenFilesLimitIT {

    static final int LIMIT = 1024;
    /** (1,024 - a reserve of 102) / 2. */
    static final int LOWERED = 461;

    @TempDir
    Path dir;

    @Test
    void maxConnectionsIsLoweredToWhatTheOpenFilesLimitAllowsAndAFloodCannotExhaustIt() throws Exception {
        // an origin that closes after each answer: every request needs a new origin connection
        try (RawOrigin origin = new RawOrigin(s -> {
            if (RawOrigin.readHead(s.getInputStream()) != null) {
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            }
        })) {
            int[] ports = ProgramIT.freePorts(4);
            Path config = ProgramIT.shippedConfigOnFreePorts(dir, ports);
            int originPort = origin.address().getPort();
            Files.writeString(config, Files.readString(config)
                    .replace("127.0.0.1:" + ports[2], "127.0.0.1:" + originPort)
                    .replace("127.0.0.1:" + ports[3], "127.0.0.1:" + originPort)
                    .replace("request_headers: 10s", "request_headers: 300s"));
            Path out = dir.resolve("fd.log");
            List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + LIMIT + " && exec \"$@\"", "bash"));
            cmd.addAll(ProgramIT.command(List.of("-Xmx256m"), "--config", config.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", ports[0]);
            List<SocketChannel> flood = new ArrayList<>();
            try {
                ProgramIT.awaitReady(p, ports[1], out);
                assertThat(Files.readString(out)).contains("\"event\":\"max_connections_lowered\",\"configured\":50000,"
                        + "\"max_connections\":" + LOWERED + ",\"open_files_limit\":" + LIMIT);
                try (RawClient keeper = new RawClient(proxy)) {
                    assertThat(keeper.get("www.example.com", "/").bodyText()).isEqualTo("ok");
                    for (int i = 0; i < LIMIT + 100; i++) {
                        flood.add(SocketChannel.open(proxy));
                    }
                    // the proxy holds LOWERED connections (the keeper among them) and closes the rest at once
                    int closed = awaitClosed(flood, LIMIT + 100 - (LOWERED - 1));
                    assertThat(closed).as("flood connections closed by the proxy").isEqualTo(LIMIT + 100 - (LOWERED - 1));
                    for (int i = 0; i < 3; i++) {
                        assertThat(keeper.get("www.example.com", "/").bodyText())
                                .as("a new origin connection for a client already in, at the limit").isEqualTo("ok");
                    }
                }
                for (SocketChannel c : flood) {
                    c.close();
                }
                // once the proxy has seen the flood's connections close (until then a new one is over the limit)
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!ProgramIT.get(ports[1], "/metrics").body().contains("predictor_active_connections{listener=\"http\"} 0.0")
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                try (RawClient after = new RawClient(proxy)) {
                    assertThat(after.get("www.example.com", "/").bodyText()).as("after the flood").isEqualTo("ok");
                }
            } finally {
                for (SocketChannel c : flood) {
                    c.close();
                }
                ProgramIT.stop(p);
            }
        }
    }

    /** Waits until {@code expected} of the connections are closed by the proxy (or 10 s), then a moment more, and counts them. */
    private static int awaitClosed(List<SocketChannel> connections, int expected) throws IOException, InterruptedException {
        for (SocketChannel c : connections) {
            c.configureBlocking(false);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (countClosed(connections) < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(300); // no connection beyond the expected ones should be closed
        return countClosed(connections);
    }

    private static int countClosed(List<SocketChannel> connections) {
        ByteBuffer buf = ByteBuffer.allocate(16);
        int closed = 0;
        for (SocketChannel c : connections) {
            buf.clear();
            int n;
            try {
                n = c.read(buf);
            } catch (IOException reset) {
                n = -1; // reset by the proxy: closed as well
            }
            if (n < 0) {
                closed++;
            }
        }
        return closed;
    }
}

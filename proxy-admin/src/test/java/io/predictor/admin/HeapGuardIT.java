package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.testing.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged program in a heap made small on purpose (a table that fills most of its old
 * generation), flooded with idle connections: instead of the back-to-back full collections that
 * hang a JVM whose heap is full of live data, the heap guard closes the idle connections, says
 * so (event and counters), and the proxy goes on answering.
 */
class HeapGuardIT {

    @TempDir
    Path dir;

    /** Old generation 24 MB: the program and {@link #SITES} sites fill most of it. */
    static final List<String> SMALL_HEAP = List.of("-XX:+UseSerialGC", "-Xms40m", "-Xmx40m", "-Xmn16m");
    static final int SITES = 300_000;
    /** The most connections the flood opens (each holds a file descriptor on both sides). */
    static final int MAX_CONNECTIONS = 8_000;

    @Test
    void aFloodOfIdleConnectionsIsClosedWhenTheHeapIsNearlyFullAndTheProxyGoesOn() throws Exception {
        int[] ports = ProgramIT.freePorts(4);
        Path config = ProgramIT.shippedConfigOnFreePorts(dir, ports);
        Path sites = config.resolveSibling("sites.txt");
        Files.writeString(sites, Files.readString(sites) + IntStream.range(0, SITES)
                .mapToObj(i -> "site-" + i + ".example.net migrated filer-" + (i % 100))
                .collect(Collectors.joining("\n", "", "\n")));
        Files.writeString(config, Files.readString(config)
                .replace("request_headers: 10s", "request_headers: 300s") // idle connections stay open
                .replace("access_log: true", "access_log: false"));
        Path out = dir.resolve("heap.log");
        Process p = ProgramIT.start(out, SMALL_HEAP, "--config", config.toString(), "--demo");
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", ports[0]);
        List<SocketChannel> flood = new ArrayList<>();
        try (Selector closedByProxy = Selector.open()) {
            ProgramIT.awaitReady(p, ports[1], out);
            int closed = 0;
            while (closed == 0 && flood.size() < MAX_CONNECTIONS) {
                for (int i = 0; i < 200; i++) {
                    SocketChannel c = SocketChannel.open(proxy);
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    c.configureBlocking(false);
                    c.register(closedByProxy, SelectionKey.OP_READ);
                    flood.add(c);
                }
                closed = countClosed(closedByProxy, 50);
            }
            assertThat(closed).as("idle connections closed by the proxy, of %d opened:\n%s", flood.size(),
                    Files.readString(out)).isPositive();
            closed += countClosed(closedByProxy, 500);

            assertThat(p.isAlive()).isTrue();
            try (RawClient c = new RawClient(proxy)) {
                assertThat(c.get("www.example.com", "/").bodyText()).as("the proxy goes on").startsWith("Hello from local");
            }
            assertThat(ProgramIT.get(ports[1], "/readyz").statusCode()).isEqualTo(200);
            String log = Files.readString(out);
            Matcher event = Pattern.compile("\"event\":\"heap_pressure\".*\"idle_connections_closed\":(\\d+)").matcher(log);
            assertThat(event.find()).as(log).isTrue();
            assertThat(log).contains("\"level\":\"warn\"");
            HttpResponse<String> metrics = ProgramIT.get(ports[1], "/metrics");
            Matcher shed = Pattern.compile("(?m)^predictor_heap_closed_connections_total ([0-9.]+)$").matcher(metrics.body());
            assertThat(shed.find()).as(metrics.body()).isTrue();
            assertThat(Double.parseDouble(shed.group(1))).as("counted as the proxy closed them")
                    .isGreaterThanOrEqualTo(closed);
            assertThat(metrics.body()).containsPattern("(?m)^predictor_heap_pressure_total [1-9]");
        } finally {
            for (SocketChannel c : flood) {
                c.close();
            }
            ProgramIT.stop(p);
        }
    }

    /** Waits up to {@code millis} and counts the flood's connections the proxy closed since the last call. */
    private static int countClosed(Selector selector, long millis) throws IOException {
        int closed = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        ByteBuffer buf = ByteBuffer.allocate(64);
        for (long left = millis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
            if (selector.select(left) == 0) {
                continue;
            }
            for (SelectionKey k : selector.selectedKeys()) {
                SocketChannel c = (SocketChannel) k.channel();
                buf.clear();
                int n;
                try {
                    n = c.read(buf);
                } catch (IOException reset) {
                    n = -1;
                }
                if (n < 0) {
                    closed++;
                    k.cancel();
                }
            }
            selector.selectedKeys().clear();
        }
        return closed;
    }
}

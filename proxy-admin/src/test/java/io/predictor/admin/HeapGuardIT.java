package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.testing.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * generation), flooded with idle connections or with requests parked in {@code hold}: instead of
 * the back-to-back full collections that hang a JVM whose heap is full of live data, the heap
 * guard closes the idle connections and refuses new holds, says so (event, counters, gauge), and
 * the proxy goes on answering.
 */
class HeapGuardIT {

    @TempDir
    Path dir;

    /** Old generation 24 MB: the program and {@link #SITES} sites fill most of it. */
    static final List<String> SMALL_HEAP = List.of("-XX:+UseSerialGC", "-Xms40m", "-Xmx40m", "-Xmn16m");
    static final int SITES = 300_000;
    /** The most connections the flood opens (each holds a file descriptor on both sides). */
    static final int MAX_CONNECTIONS = 8_000;

    /** The shipped config on {@code ports} with {@link #SITES} more sites, one of them in hold, and long timeouts. */
    private Path config(int[] ports) throws IOException {
        Path config = ProgramIT.shippedConfigOnFreePorts(dir, ports);
        Path sites = config.resolveSibling("sites.txt");
        Files.writeString(sites, Files.readString(sites) + IntStream.range(0, SITES)
                .mapToObj(i -> "site-" + i + ".example.net migrated filer-" + (i % 100))
                .collect(Collectors.joining("\n", "", "\n")) + HELD + " hold filer-held\n");
        Files.writeString(config, Files.readString(config)
                .replace("request_headers: 10s", "request_headers: 300s") // idle connections stay open
                .replace("hold: 30s", "hold: 300s") // and so do parked requests
                .replace("access_log: true", "access_log: false"));
        return config;
    }

    static final String HELD = "held.example.net";

    /** Starts the program on {@link #config}, with the demo origins, in {@link #SMALL_HEAP}; its output to {@code out}. */
    private Process startInSmallHeap(int[] ports, Path out) throws IOException {
        return ProgramIT.start(out, SMALL_HEAP, "--config", config(ports).toString(), "--demo");
    }

    @Test
    void aFloodOfIdleConnectionsIsClosedWhenTheHeapIsNearlyFullAndTheProxyGoesOn() throws Exception {
        int[] ports = ProgramIT.freePorts(4);
        Path out = dir.resolve("heap.log");
        Process p = startInSmallHeap(ports, out);
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", ports[0]);
        List<SocketChannel> flood = new ArrayList<>();
        try (Selector closedByProxy = Selector.open()) {
            ProgramIT.awaitReady(p, ports[1], out);
            int closed = 0;
            while (closed == 0 && flood.size() < MAX_CONNECTIONS) {
                openMore(proxy, null, closedByProxy, flood);
                closed = countClosed(closedByProxy, 50);
            }
            assertThat(closed).as("idle connections closed by the proxy, of %d opened:\n%s", flood.size(),
                    Files.readString(out)).isPositive();
            closed += countClosed(closedByProxy, 500);

            assertGoesOn(p, proxy, ports[1]);
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

    @Test
    void aFloodOfRequestsParkedInHoldIsRefusedWhenTheHeapIsNearlyFullAndTheParkedOnesStay() throws Exception {
        int[] ports = ProgramIT.freePorts(4);
        Path out = dir.resolve("hold.log");
        Process p = startInSmallHeap(ports, out);
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", ports[0]);
        ByteBuffer request = ByteBuffer.wrap(("GET / HTTP/1.1\r\nHost: " + HELD + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        List<SocketChannel> flood = new ArrayList<>();
        try (Selector answered = Selector.open()) {
            ProgramIT.awaitReady(p, ports[1], out);
            List<String> answers = new ArrayList<>();
            while (answers.stream().noneMatch(a -> a.startsWith("HTTP/1.1 503")) && flood.size() < MAX_CONNECTIONS) {
                openMore(proxy, request, answered, flood);
                answers.addAll(answers(answered, 50));
            }
            // "closed": the guard closed a connection whose request it had not read yet (an idle one to it)
            List<String> refused = answers.stream().filter(a -> !a.equals("closed")).toList();
            assertThat(refused).as("requests for a site in hold answered before timeouts.hold (300 s), of %d sent:\n%s",
                    flood.size(), Files.readString(out)).isNotEmpty();
            assertThat(refused).as("what a hold that timed out gets").allMatch(a -> a.startsWith("HTTP/1.1 503"));
            HttpResponse<String> metrics = ProgramIT.get(ports[1], "/metrics");
            assertThat(metrics.body()).as("refused for 10 s after the collection")
                    .containsPattern("(?m)^predictor_heap_holds_refused 1");
            assertThat(metrics.body()).containsPattern("(?m)^predictor_heap_pressure_total [1-9]");
            // logged once the idle connections are closed, a moment after the meters count it
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (!java.util.regex.Pattern.compile("\"event\":\"heap_pressure\".*\"holds_refused_s\":10")
                    .matcher(Files.readString(out)).find() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Files.readString(out)).containsPattern("\"event\":\"heap_pressure\".*\"holds_refused_s\":10");
            assertThat(answers.size()).as("the requests parked before the refusal stay parked").isLessThan(flood.size() / 2);

            assertGoesOn(p, proxy, ports[1]);
        } finally {
            for (SocketChannel c : flood) {
                c.close();
            }
            ProgramIT.stop(p);
        }
    }

    /** The program is alive, proxies a request and is ready. */
    private static void assertGoesOn(Process p, InetSocketAddress proxy, int adminPort) throws Exception {
        assertThat(p.isAlive()).isTrue();
        try (RawClient c = new RawClient(proxy)) {
            assertThat(c.get("www.example.com", "/").bodyText()).as("the proxy goes on").startsWith("Hello from local");
        }
        assertThat(ProgramIT.get(adminPort, "/readyz").statusCode()).isEqualTo(200);
    }

    /**
     * Waits up to {@code millis} for what the proxy sends on the flood's connections: the first
     * bytes of each answer, or "closed" for a connection it closed without one.
     */
    private static List<String> answers(Selector selector, long millis) throws IOException {
        List<String> answers = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        ByteBuffer buf = ByteBuffer.allocate(64);
        for (long left = millis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
            if (selector.select(left) == 0) {
                continue;
            }
            for (SelectionKey k : selector.selectedKeys()) {
                buf.clear();
                int n;
                try {
                    n = ((SocketChannel) k.channel()).read(buf);
                } catch (IOException reset) {
                    n = -1;
                }
                answers.add(n <= 0 ? "closed" : new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
                k.cancel(); // the first bytes say what the answer was
            }
            selector.selectedKeys().clear();
        }
        return answers;
    }

    /** Waits up to {@code millis} and counts the flood's connections the proxy closed since the last call. */
    private static int countClosed(Selector selector, long millis) throws IOException {
        return (int) answers(selector, millis).stream().filter("closed"::equals).count();
    }

    /** Opens 200 more connections to {@code proxy}, each sending {@code request} if not null, watched by {@code selector}. */
    private static void openMore(InetSocketAddress proxy, ByteBuffer request, Selector selector, List<SocketChannel> flood)
            throws IOException {
        for (int i = 0; i < 200; i++) {
            SocketChannel c = SocketChannel.open(proxy);
            c.setOption(StandardSocketOptions.SO_LINGER, 0);
            if (request != null) {
                c.write(request.duplicate());
            }
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ);
            flood.add(c);
        }
    }
}

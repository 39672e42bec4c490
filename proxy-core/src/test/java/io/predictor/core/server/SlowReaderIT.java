package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that stop reading their answers: pipelined requests wait for the answers before them to
 * drain (memory stays bounded), and a connection on its way out whose last bytes are never taken
 * is closed by {@code timeouts.idle}. Both found by review (2026-12-07): 4,000 pipelined requests
 * of a client that read nothing were all sent to the origin, their 30 MiB of answers queued in the
 * proxy; and a close waiting for such a write never ended.
 */
class SlowReaderIT {

    static final int SMALL = 8_000;
    RawOrigin origin;
    TestProxy proxy;
    final AtomicInteger served = new AtomicInteger();

    private void start(long idleMillis) throws Exception {
        origin = new RawOrigin(this::serve);
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        ProxySettings s = new ProxySettings(TestProxy.INSTANCE, 1, "auto", 2000, 10_000, idleMillis, 5_000, 30_000,
                5_000, 16 * 1024, 100, 1000, ".preview.test");
        proxy = new TestProxy(b.build(), origin.address(), origin.address(), s, ExchangeListener.NONE);
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void pipelinedRequestsWaitWhileTheClientReadsNothingAndAreAllAnsweredInOrderOnceItReads() throws Exception {
        start(30_000);
        // 32 MB of small answers, each whole in one read from the origin: more than the kernel buffers
        // between proxy and client hold (a large answer's own backpressure would stop it anyway)
        int n = 4000;
        try (Socket client = new Socket()) {
            client.connect(proxy.address(), 5000);
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < n; i++) {
                requests.append("GET /sized/").append(SMALL).append("?n=").append(i)
                        .append(" HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
            }
            OutputStream out = client.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(requests.toString().getBytes(StandardCharsets.ISO_8859_1)); // blocks once the proxy stops reading
                    out.flush();
                } catch (java.io.IOException ignored) {
                    // the reads below find out
                }
            });
            writer.start();
            Thread.sleep(1500);
            assertThat(served.get()).as("answers relayed to a client that reads nothing (before: all %d, 32 MB"
                    + " queued in the proxy)", n).isLessThan(n / 2);

            // the client reads now: every answer comes, whole and in order
            client.setSoTimeout(10_000);
            InputStream in = new java.io.BufferedInputStream(client.getInputStream(), 64 * 1024);
            for (int i = 0; i < n; i++) {
                String head = RawOrigin.readHead(in);
                assertThat(head).as("answer %d", i).isNotNull().startsWith("HTTP/1.1 200 ").contains("x-n: " + i + "\r\n");
                in.skipNBytes(SMALL);
            }
            writer.join(5_000);
            assertThat(served.get()).isEqualTo(n);
        }
    }

    @Test
    void aClosingConnectionWhoseClientStopsReadingIsClosedByTheIdleTimeout() throws Exception {
        start(1_000);
        try (Socket client = connectWithSmallReceiveBuffer()) {
            // Connection: close, an answer larger than what the kernel buffers on both sides: the
            // proxy ends the exchange and closes after its last bytes, which are never taken
            client.getOutputStream().write(("GET /sized/" + (16 << 20) + " HTTP/1.1\r\nHost: www.example.com\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            awaitOpenConnections(1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (proxy.server().openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(proxy.server().openConnections()).as("closed by timeouts.idle, not open for good").isZero();
        }
    }

    @Test
    void theHeapGuardsCloseOfAConnectionWhoseClientStopsReadingEnds() throws Exception {
        start(1_000);
        try (Socket client = connectWithSmallReceiveBuffer()) {
            // one answer too large for the buffers between, not read: the exchange ends, its tail stays queued
            client.getOutputStream().write(("GET /sized/" + (4 << 20) + " HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (served.get() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            proxy.server().closeIdleConnections().get(5, TimeUnit.SECONDS);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.server().openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(proxy.server().openConnections()).isZero();
        }
    }

    private void awaitOpenConnections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (proxy.server().openConnections() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(proxy.server().openConnections()).isEqualTo(n);
    }

    private Socket connectWithSmallReceiveBuffer() throws Exception {
        Socket client = new Socket();
        client.setReceiveBufferSize(4096);
        client.connect(proxy.address(), 5000);
        return client;
    }

    /** Answers each request with {@code /sized/N} bytes; {@code ?n=I} comes back as {@code x-n: I}. */
    private void serve(Socket s) throws Exception {
        s.setTcpNoDelay(true); // or each answer's head and body wait on Nagle and a delayed ACK: ~40 ms an answer
        InputStream in = s.getInputStream();
        OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 64 * 1024);
        byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.ISO_8859_1);
        String head;
        while ((head = RawOrigin.readHead(in)) != null) {
            String target = head.substring(0, head.indexOf('\r')).split(" ")[1];
            int q = target.indexOf('?');
            int size = Integer.parseInt(target.substring(7, q < 0 ? target.length() : q));
            String n = q < 0 ? "-" : target.substring(q + 3);
            served.incrementAndGet(); // before the answer: a client may read it before a count after it
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\nx-n: " + n + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            for (int left = size; left > 0; left -= chunk.length) {
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
            out.flush();
        }
    }
}

package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Frames;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** h2 clients that raise their windows, ask for large answers and stop reading. */
class Http2SlowReaderIT {

    RawOrigin origin;
    TestProxy proxy;
    TestCertificates certs;
    InetSocketAddress tls;
    final AtomicInteger served = new AtomicInteger();

    private void start(long idleMillis, long drainMillis) throws Exception {
        origin = new RawOrigin(this::serve);
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        ProxySettings s = new ProxySettings(TestProxy.INSTANCE, 1, "auto", 2000, 10_000, idleMillis, 5_000, 30_000,
                drainMillis, 16 * 1024, 100, 1000, ".preview.test");
        proxy = new TestProxy(b.build(), origin.address(), origin.address(), s, ExchangeListener.NONE);
        certs = new TestCertificates("h2 slow CA");
        Path dir = TestCertificates.newDirectory("h2slow");
        certs.writePair(dir, "default", "www.example.com");
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), ExchangeListener.NONE, TestCertificates.quietStore(dir));
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
    void idleTimeoutClosesAConnectionWhoseClientStoppedReading() throws Exception {
        start(1_000, 30_000);
        try (SSLSocket s = stalledClient(4)) {
            // ~1 s: each stream's stall check resets it; ~2 s: timeouts.idle closes the connection
            long closedAfter = awaitClosed(45);
                        assertThat(closedAfter).as("ms until closed after stalling (drain=30s)").isBetween(0L, 8_000L);
        }
    }

    @Test
    void heapGuardsCloseOfAConnectionWhoseClientStoppedReadingEnds() throws Exception {
        start(3_000, 30_000);
        try (SSLSocket s = stalledClient(4)) {
            Thread.sleep(3_600); // streams reset by their stall check (timeouts.idle); the connection not yet idle
            proxy.server().closeIdleConnections().get(5, TimeUnit.SECONDS); // streams still active: not idle
                        long closedAfter = awaitClosed(45);
                        assertThat(closedAfter).as("ms until closed (timeouts.idle of no progress)").isBetween(0L, 8_000L);
        }
    }

    private long awaitClosed(int seconds) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(seconds);
        while (proxy.server().openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return proxy.server().openConnections() == 0 ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) : -1;
    }

    /** Opens {@code streams} GETs of 16 MiB each with the largest windows, then reads nothing. */
    private SSLSocket stalledClient(int streams) throws Exception {
        Socket raw = new Socket();
        raw.setReceiveBufferSize(4096);
        raw.connect(tls, 5000);
        SSLSocket s = (SSLSocket) certs.clientContext().getSocketFactory().createSocket(raw, "www.example.com",
                tls.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("www.example.com")));
        p.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(p);
        s.startHandshake();
        assertThat(s.getApplicationProtocol()).isEqualTo("h2");
        OutputStream out = s.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff})); // INITIAL_WINDOW_SIZE max
        int inc = Integer.MAX_VALUE - 65_535;
        out.write(H2Frames.frame(8, 0, 0, new byte[] {(byte) (inc >>> 24), (byte) (inc >>> 16), (byte) (inc >>> 8), (byte) inc}));
        for (int i = 0; i < streams; i++) {
            out.write(H2Frames.frame(1, 0x5, 2 * i + 1, H2Frames.getRequest("www.example.com", "/sized/" + (16 << 20))));
        }
        out.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (served.get() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(proxy.server().openConnections()).isEqualTo(1);
        return s;
    }

    private void serve(Socket s) throws Exception {
        s.setTcpNoDelay(true);
        InputStream in = s.getInputStream();
        OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 64 * 1024);
        byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.ISO_8859_1);
        String head;
        while ((head = RawOrigin.readHead(in)) != null) {
            String target = head.substring(0, head.indexOf('\r')).split(" ")[1];
            int size = Integer.parseInt(target.substring(7));
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            served.incrementAndGet();
            for (int left = size; left > 0; left -= chunk.length) {
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
            out.flush();
        }
    }
}

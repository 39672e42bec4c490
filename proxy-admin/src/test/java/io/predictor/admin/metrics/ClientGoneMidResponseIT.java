package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.server.ExchangeListener;
import io.predictor.core.server.ListenerSettings;
import io.predictor.core.testing.H2Frames;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md: code is "499 when the client closed the connection before the response began
 * (nginx's convention)". A client that leaves after the response head (a browser that cancels a
 * download or a video range) must count the status it was sent, on HTTP/1.1 and on HTTP/2 alike.
 */
class ClientGoneMidResponseIT {

    SimpleMeterRegistry registry;
    RequestMetrics metrics;
    RawOrigin origin;
    TestProxy proxy;
    TestCertificates certs;
    InetSocketAddress tls;

    @BeforeEach
    void start() throws Exception {
        origin = new RawOrigin(s -> {
            while (RawOrigin.readHead(s.getInputStream()) != null) {
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < 200; i++) { // a slow body: the client leaves before its end
                    out.write(new byte[4 * 1024]);
                    out.flush();
                    Thread.sleep(100);
                }
            }
        });
        registry = new SimpleMeterRegistry();
        metrics = new RequestMetrics(registry);
        SiteTable.Builder b = new SiteTable.Builder(4, 256, 0, 0);
        b.add("www.example.com", SiteState.MIGRATED, "filer-1");
        proxy = new TestProxy(b.build(), origin.address(), origin.address(), TestProxy.settings(), metrics);
        certs = new TestCertificates("client gone CA");
        Path dir = TestCertificates.newDirectory("client-gone");
        certs.writePair(dir, "default", "www.example.com");
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), metrics, TestCertificates.quietStore(dir));
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        origin.close();
        registry.close();
    }

    private Map<String, Double> byRouteAndCode() {
        Map<String, Double> m = new TreeMap<>();
        for (Counter c : registry.find(PredictorMeter.REQUESTS.meterName()).counters()) {
            if (c.count() > 0) {
                m.put(c.getId().getTag("route") + " " + c.getId().getTag("code"), c.count());
            }
        }
        return m;
    }

    private Map<String, Double> awaitOneRequest() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (byRouteAndCode().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return byRouteAndCode();
    }

    @Test
    void http11ClientLeavingAfterTheHeadCountsTheStatusSent() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(proxy.address(), 5000);
            s.getOutputStream().write("GET /big HTTP/1.1\r\nHost: www.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] b = new byte[4096];
            int n = in.read(b);
            assertThat(new String(b, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
        } // closed mid-body
        assertThat(awaitOneRequest()).isEqualTo(Map.of("local 200", 1.0));
    }

    @Test
    void http2ClientResettingAfterTheHeadCountsTheStatusSent() throws Exception {
        try (SSLSocket s = h2()) {
            OutputStream out = s.getOutputStream();
            out.write(H2Frames.frame(1, 0x5, 1, H2Frames.getRequest("www.example.com", "/big")));
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            while (true) { // until the response's HEADERS on stream 1
                int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                in.readFully(new byte[length]);
                if (type == 1 && stream == 1) {
                    break;
                }
            }
            Thread.sleep(200);
            out.write(H2Frames.frame(3, 0, 1, new byte[] {0, 0, 0, 8})); // RST_STREAM CANCEL mid-body
            out.flush();
            assertThat(awaitOneRequest()).isEqualTo(Map.of("local 200", 1.0));
        }
    }

    private SSLSocket h2() throws Exception {
        SSLSocket s = io.predictor.core.testing.TlsClient.connect(certs.clientContext(), tls, "www.example.com", "h2");
        assertThat(s.getApplicationProtocol()).isEqualTo("h2");
        OutputStream out = s.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(H2Frames.frame(4, 0, 0, new byte[0]));
        out.flush();
        return s;
    }
}

package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.testing.TlsClient;
import io.predictor.core.tls.CertificateStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLS listener at its edges (from a review): ALPN fallbacks, the bounds on the handshake (the
 * ClientHello and the handshake after it share one timeout: a ClientHello dripped until its
 * deadline held the connection for nearly twice it before), and the 421 rule for host variants.
 */
class TlsHandshakeEdgesIT {

    static WireMockServer local;
    static WireMockServer legacy;
    static TestProxy proxy;
    static TestCertificates certs;
    static CertificateStore store;
    static InetSocketAddress tls;
    static SSLContext client;

    @BeforeAll
    static void start() throws Exception {
        local = ProxyRoutingIT.origin("local");
        legacy = ProxyRoutingIT.origin("legacy");
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        ProxySettings s = new ProxySettings(TestProxy.INSTANCE, 1, "auto", 2000, 1_000, 60_000, 5_000, 30_000, 5_000,
                16 * 1024, 100, 1000, ".preview.test");
        proxy = new TestProxy(b.build(), ProxyRoutingIT.addr(local), ProxyRoutingIT.addr(legacy), s,
                ExchangeListener.NONE);
        certs = new TestCertificates("tls edges CA");
        Path dir = TestCertificates.newDirectory("tls-edges");
        certs.writePair(dir, "default", "default.test");
        certs.writePair(dir, "example", "www.example.com");
        store = TestCertificates.quietStore(dir);
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), ExchangeListener.NONE, store);
        client = certs.clientContext();
    }

    @AfterAll
    static void stop() {
        store.close();
        proxy.close();
        local.stop();
        legacy.stop();
    }

    @Test
    void aClientOfferingOnlyHttp10SpeaksHttp11() throws Exception {
        try (SSLSocket s = TlsClient.connect(client, tls, "www.example.com", "http/1.0"); RawClient c = new RawClient(s)) {
            assertThat(c.get("www.example.com", "/").bodyText()).isEqualTo("local");
        }
    }

    @Test
    void hostVariantsTheCertificateCoversAreNotMisdirected() throws Exception {
        try (SSLSocket s = TlsClient.connect(client, tls, "www.example.com", "http/1.1"); RawClient c = new RawClient(s)) {
            assertThat(c.get("www.example.com:443", "/").status()).as("port").isEqualTo(200);
            assertThat(c.get("WWW.Example.COM.", "/").status()).as("case, trailing dot").isEqualTo(200);
            assertThat(c.get("127.0.0.1", "/").status()).as("IPv4 literal").isNotEqualTo(421);
            assertThat(c.get("[::1]:443", "/").status()).as("IPv6 literal").isNotEqualTo(421);
            assertThat(c.get("other.example.com", "/").status()).isEqualTo(421);
            assertThat(c.get("www.example.com", "/").status()).isEqualTo(200);
        }
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            assertThat(h2.request(h2.headers("GET", "/").authority("www.example.com:443"), null).status()).isEqualTo(200);
            assertThat(h2.request(h2.headers("GET", "/").authority("127.0.0.1"), null).status()).isNotEqualTo(421);
            assertThat(h2.request(h2.headers("GET", "/").authority("x.example.com"), null).status()).isEqualTo(421);
        }
    }

    static byte[] clientHello() throws Exception {
        return io.predictor.core.tls.ClientHelloSniTest.clientHello("www.example.com");
    }

    /** Waits for the server's close; returns the ms it took, or -1 if it stayed open 8 s. */
    static long closedAfter(Socket s) throws Exception {
        long t0 = System.nanoTime();
        s.setSoTimeout(8_000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // server flight
            }
        } catch (SocketTimeoutException e) {
            return -1;
        } catch (java.io.IOException reset) {
            // a reset is a close too
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void aPartialClientHelloIsClosedAfterTheTimeout() throws Exception {
        byte[] h = clientHello();
        try (Socket s = new Socket(tls.getAddress(), tls.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(h, 0, h.length / 2);
            out.flush();
            assertThat(closedAfter(s)).isBetween(0L, 4_000L);
        }
    }

    @Test
    void aHandshakeThatNeverCompletesIsClosedAfterTheTimeout() throws Exception {
        byte[] h = clientHello();
        try (Socket s = new Socket(tls.getAddress(), tls.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(h);
            out.flush();
            assertThat(closedAfter(s)).isBetween(0L, 4_000L);
        }
    }

    @Test
    void anIdleConnectionWithoutAnyByteIsClosedAfterTheTimeout() throws Exception {
        try (Socket s = new Socket(tls.getAddress(), tls.getPort())) {
            assertThat(closedAfter(s)).isBetween(0L, 4_000L);
        }
    }

    /** docs/tls.md: "the ClientHello and the whole handshake must arrive within timeouts.request_headers" (1 s here). */
    @Test
    void theClientHelloAndTheWholeHandshakeAreBoundedTogether() throws Exception {
        byte[] h = clientHello();
        try (Socket s = new Socket(tls.getAddress(), tls.getPort())) {
            OutputStream out = s.getOutputStream();
            long t0 = System.nanoTime();
            out.write(h, 0, h.length - 1);
            out.flush();
            Thread.sleep(900);
            out.write(h, h.length - 1, 1); // the ClientHello is whole at 0.9 s; the client then stalls
            out.flush();
            assertThat(closedAfter(s)).as("closed at all").isNotNegative();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms from the first byte to the close").isLessThan(1_400L);
        }
    }
}

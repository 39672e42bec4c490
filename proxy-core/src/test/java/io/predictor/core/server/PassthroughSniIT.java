package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.testing.TlsOrigin;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Passthrough routing of hostile ClientHellos, end to end: no way past maintenance, no SNI that is not a DNS name relayed (from a review; failed before). */
class PassthroughSniIT {

    static TestCertificates originCa;
    static TlsOrigin localTls;
    static TlsOrigin legacyTls;
    static TestProxy proxy;
    static InetSocketAddress passthrough;

    @BeforeAll
    static void start() throws Exception {
        originCa = new TestCertificates("Origin CA");
        localTls = new TlsOrigin(originCa.serverContext("local-origin.test", "www.example.com", "down.example.org"),
                "local", false);
        legacyTls = new TlsOrigin(originCa.serverContext("legacy-origin.test", "shop.example.org", "down.example.org"),
                "legacy", false);
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        b.add("down.example.org", SiteState.MAINTENANCE, "filer-042");
        InetSocketAddress unused = new InetSocketAddress("127.0.0.1", 9);
        PoolSettings local = new PoolSettings("local", List.of(unused), PoolSettings.Balance.ROUND_ROBIN)
                .withTlsServers(List.of(localTls.address()));
        PoolSettings legacy = new PoolSettings("legacy", List.of(unused), PoolSettings.Balance.ROUND_ROBIN)
                .withTlsServers(List.of(legacyTls.address()));
        proxy = new TestProxy(b.build(), local, legacy, TestProxy.settings(), ExchangeListener.NONE);
        passthrough = proxy.server().bindPassthrough(
                new ListenerSettings("tls-pass", new InetSocketAddress("127.0.0.1", 0), a -> false), proxy.router());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        localTls.close();
        legacyTls.close();
    }

    static SSLSocket connect(List<SNIServerName> names) throws Exception {
        SSLSocket s = (SSLSocket) originCa.clientContext().getSocketFactory()
                .createSocket(passthrough.getAddress(), passthrough.getPort());
        s.setSoTimeout(15_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(names);
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    @Test
    void sanityASiteInMaintenanceGetsTheAlert() {
        assertThatThrownBy(() -> connect(List.of(new SNIHostName("down.example.org"))))
                .isInstanceOf(SSLException.class).hasMessageContaining("handshake_failure");
    }

    /**
     * The JDK client sends server_name = [ (type 1) "x", host_name "down.example.org" ], which
     * RFC 6066 allows to be parsed (a future NameType's data begins with a 16-bit length). The
     * proxy reports no SNI, routes the connection by routing.default (legacy), and the legacy
     * origin (JDK) completes the handshake for down.example.org: the site is in maintenance,
     * and "nothing may reach either side".
     */
    @Test
    void anEntryOfAnotherTypeBeforeTheHostNameDoesNotGetPastMaintenance() {
        SNIServerName other = new SNIServerName(1, "x".getBytes(StandardCharsets.US_ASCII)) {
        };
        int before = localTls.accepted() + legacyTls.accepted();
        try (SSLSocket s = connect(List.of(other, new SNIHostName("down.example.org")))) {
            String subject = s.getSession().getPeerPrincipal().getName();
            org.junit.jupiter.api.Assertions.fail("handshake with an origin completed for a site in maintenance: "
                    + subject + "; origins reached: " + (localTls.accepted() + legacyTls.accepted() - before));
        } catch (SSLException expected) {
            assertThat(expected).hasMessageContaining("handshake_failure");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** PROXY header, 100,000 bytes and the FIN in one write, on a TCP relay listener with proxy_protocol: true. */
    @Test
    void aTcpRelayBehindALoadBalancerKeepsBytesAndFinThatCameWithTheHeader() throws Exception {
        try (io.predictor.core.testing.RawOrigin counting = new io.predictor.core.testing.RawOrigin(s -> {
                    byte[] all = s.getInputStream().readAllBytes();
                    io.predictor.core.testing.RawOrigin.write(s, "got " + all.length + "\n");
                })) {
            InetSocketAddress relay = proxy.server().bindTcp(new ListenerSettings("pp-tcp",
                    new InetSocketAddress("127.0.0.1", 0), a -> false, true),
                    new PoolSettings("count", List.of(counting.address()), PoolSettings.Balance.ROUND_ROBIN));
            for (int i = 0; i < 5; i++) {
                try (java.net.Socket c = new java.net.Socket()) {
                    c.connect(relay, 5000);
                    c.setSoTimeout(5000);
                    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                    all.write("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n".getBytes(StandardCharsets.US_ASCII));
                    all.write(new byte[100_000]);
                    c.getOutputStream().write(all.toByteArray());
                    c.shutdownOutput();
                    assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                            .isEqualTo("got 100000\n");
                }
            }
        }
    }

    /** PROXY header and ClientHello in one write, on a passthrough listener with proxy_protocol: true. */
    @Test
    void aPassthroughBehindALoadBalancerTakesTheClientHelloThatCameWithTheHeader() throws Exception {
        InetSocketAddress pp = proxy.server().bindPassthrough(
                new ListenerSettings("pp-pass", new InetSocketAddress("127.0.0.1", 0), a -> false, true), proxy.router());
        try (java.net.Socket raw = new java.net.Socket()) {
            raw.connect(pp, 5000);
            raw.setSoTimeout(5000);
            java.io.OutputStream rawOut = raw.getOutputStream();
            java.io.OutputStream glued = new java.io.OutputStream() {
                boolean first = true;
                @Override
                public void write(int b) throws java.io.IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }
                @Override
                public void write(byte[] b, int off, int len) throws java.io.IOException {
                    if (first) {
                        first = false;
                        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
                        o.write("PROXY TCP4 203.0.113.7 192.0.2.1 51000 443\r\n".getBytes(StandardCharsets.US_ASCII));
                        o.write(b, off, len);
                        rawOut.write(o.toByteArray());
                    } else {
                        rawOut.write(b, off, len);
                    }
                }
            };
            // a socket whose first write carries the header too
            java.net.Socket wrapper = raw;
            SSLSocket s = (SSLSocket) originCa.clientContext().getSocketFactory().createSocket(
                    new java.net.Socket() {
                        @Override public java.io.InputStream getInputStream() throws java.io.IOException { return wrapper.getInputStream(); }
                        @Override public java.io.OutputStream getOutputStream() { return glued; }
                        @Override public boolean isConnected() { return true; }
                        @Override public synchronized void close() throws java.io.IOException { wrapper.close(); }
                    }, "www.example.com", pp.getPort(), true);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName("www.example.com")));
            s.setSSLParameters(p);
            s.startHandshake();
            assertThat(s.getSession().getPeerPrincipal().getName()).isEqualTo("CN=local-origin.test");
            s.close();
        }
    }

    /** A fast client and an origin that never reads: the client must be held back (memory bounded). */
    @Test
    void aTcpRelayHoldsBackAFastSenderWhenTheOriginDoesNotRead() throws Exception {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try (io.predictor.core.testing.RawOrigin sleepy = new io.predictor.core.testing.RawOrigin(s -> {
                    try {
                        done.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })) {
            InetSocketAddress relay = proxy.server().bindTcp(new ListenerSettings("bp-tcp",
                    new InetSocketAddress("127.0.0.1", 0), a -> false),
                    new PoolSettings("sleepy", List.of(sleepy.address()), PoolSettings.Balance.ROUND_ROBIN));
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            try (java.net.Socket c = new java.net.Socket()) {
                c.connect(relay, 5000);
                Thread t = new Thread(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int i = 0; i < 4096; i++) { // 256 MiB
                            c.getOutputStream().write(chunk);
                            written.addAndGet(chunk.length);
                        }
                    } catch (java.io.IOException e) {
                        // closed
                    }
                });
                t.setDaemon(true);
                t.start();
                Thread.sleep(4000);
                long w = written.get();
                System.out.println("client wrote " + w + " bytes against an origin that does not read");
                assertThat(w).isLessThan(64L * 1024 * 1024);
            } finally {
                done.countDown();
            }
        }
    }

    /**
     * docs/tls.md: "an SNI that is not a host name | alert unrecognized_name". A host_name of
     * "www.example.com:443" (or with surrounding blanks) is not a host name (RFC 6066 section 3,
     * RFC 1123 syntax), yet the proxy strips the port as it would in a Host header and relays the
     * connection to the site's origin.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"www.example.com:443", " www.example.com", "[::1]", "www.example.com!"})
    void anSniThatIsNotAHostNameReachesNoOrigin(String sni) throws Exception {
        byte[] hello = io.predictor.core.tls.ClientHelloSniNameTypesTest.clientHello(
                io.predictor.core.tls.ClientHelloSniNameTypesTest.entry(0, sni));
        int before = localTls.accepted() + legacyTls.accepted();
        byte[] got;
        try (java.net.Socket c = new java.net.Socket()) {
            c.connect(passthrough, 5000);
            c.setSoTimeout(5000);
            c.getOutputStream().write(hello);
            byte[] b = new byte[7];
            int n = c.getInputStream().readNBytes(b, 0, 7);
            got = java.util.Arrays.copyOf(b, n);
        }
        Thread.sleep(200);
        assertThat(localTls.accepted() + legacyTls.accepted() - before).as("origins reached for SNI '" + sni + "'")
                .isZero();
        assertThat(got).as("an unrecognized_name alert").hasSize(7);
        assertThat(got[0]).isEqualTo((byte) 21);
        assertThat(got[6]).isEqualTo((byte) 112);
    }

    /** A v2 header that comes in pieces over several TCP segments, then data, on a TCP relay behind an LB. */
    @Test
    void aV2HeaderInPiecesThenDataIsRelayedWithTheProxiedClient() throws Exception {
        java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
        try (io.predictor.core.testing.RawOrigin echoOnce = new io.predictor.core.testing.RawOrigin(s -> {
                    byte[] all = s.getInputStream().readAllBytes();
                    seen.complete(new String(all, StandardCharsets.ISO_8859_1));
                })) {
            InetSocketAddress relay = proxy.server().bindTcp(new ListenerSettings("pp-tcp2",
                    new InetSocketAddress("127.0.0.1", 0), a -> false, true),
                    new PoolSettings("once", List.of(echoOnce.address()), PoolSettings.Balance.ROUND_ROBIN)
                            .withProxyProtocol(PoolSettings.ProxyProtocol.V1));
            byte[] h = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0, 12,
                    (byte) 198, 51, 100, 9, (byte) 192, 0, 2, 1, (byte) 0x9c, 0x40, 0x01, (byte) 0xbb};
            try (java.net.Socket c = new java.net.Socket()) {
                c.setTcpNoDelay(true);
                c.connect(relay, 5000);
                c.setSoTimeout(5000);
                for (int i = 0; i < h.length; i += 5) {
                    c.getOutputStream().write(h, i, Math.min(5, h.length - i));
                    c.getOutputStream().flush();
                    Thread.sleep(30);
                }
                c.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                c.shutdownOutput();
                assertThat(seen.get(5, java.util.concurrent.TimeUnit.SECONDS))
                        .isEqualTo("PROXY TCP4 198.51.100.9 192.0.2.1 40000 443\r\nhello");
            }
        }
    }
}

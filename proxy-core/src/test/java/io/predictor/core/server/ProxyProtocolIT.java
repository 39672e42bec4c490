package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PROXY protocol v1 and v2: read on listeners that say so, sent to pools that say so. */
class ProxyProtocolIT {

    static WireMockServer wiremock;
    static RawOrigin v1Origin;
    static RawOrigin v2Origin;
    static final BlockingQueue<String> v1Seen = new LinkedBlockingQueue<>();
    static final BlockingQueue<String> v2Seen = new LinkedBlockingQueue<>();
    static TestProxy plainPools;
    static TestProxy proxyPools;
    static InetSocketAddress acceptsProxy;
    static InetSocketAddress sendsProxy;

    @BeforeAll
    static void start() throws Exception {
        wiremock = ProxyRoutingIT.origin("origin");
        v1Origin = new RawOrigin(s -> {
            InputStream in = s.getInputStream();
            String line = RawOrigin.readHead(in); // the PROXY line and the request head arrive together
            while (line != null) {
                v1Seen.add(line);
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv1");
                line = RawOrigin.readHead(in);
            }
        });
        v2Origin = new RawOrigin(s -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] fixed = new byte[16];
            in.readFully(fixed);
            byte[] addresses = new byte[ByteBuffer.wrap(fixed, 14, 2).getShort()];
            in.readFully(addresses);
            ByteBuffer a = ByteBuffer.wrap(addresses);
            String src = (a.get() & 0xff) + "." + (a.get() & 0xff) + "." + (a.get() & 0xff) + "." + (a.get() & 0xff);
            a.position(8);
            int srcPort = a.getShort() & 0xffff;
            v2Seen.add(String.format("%02x %02x %s %d", fixed[12], fixed[13], src, srcPort));
            while (RawOrigin.readHead(in) != null) {
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv2");
            }
        });
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("v1.example.com", SiteState.MIGRATED, null);
        b.add("v2.example.com", SiteState.LEGACY, null);
        plainPools = new TestProxy(b.build(), ProxyRoutingIT.addr(wiremock), ProxyRoutingIT.addr(wiremock));
        acceptsProxy = plainPools.server().bindHttp(new ListenerSettings("behind-lb",
                new InetSocketAddress("127.0.0.1", 0), a -> false, true), plainPools.router(), ExchangeListener.NONE);
        PoolSettings local = new PoolSettings("local", List.of(v1Origin.address()), PoolSettings.Balance.ROUND_ROBIN)
                .withProxyProtocol(PoolSettings.ProxyProtocol.V1);
        PoolSettings legacy = new PoolSettings("legacy", List.of(v2Origin.address()), PoolSettings.Balance.ROUND_ROBIN)
                .withProxyProtocol(PoolSettings.ProxyProtocol.V2);
        proxyPools = new TestProxy(b.build(), local, legacy, TestProxy.settings(), ExchangeListener.NONE);
        sendsProxy = proxyPools.server().bindHttp(new ListenerSettings("behind-lb-too",
                new InetSocketAddress("127.0.0.1", 0), a -> false, true), proxyPools.router(), ExchangeListener.NONE);
    }

    @AfterAll
    static void stop() throws Exception {
        plainPools.close();
        proxyPools.close();
        wiremock.stop();
        v1Origin.close();
        v2Origin.close();
    }

    @Test
    void aV1HeaderNamesTheClientInXForwardedFor() throws Exception {
        wiremock.resetRequests();
        try (RawClient c = new RawClient(acceptsProxy)) {
            c.send("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n");
            assertThat(c.get("v1.example.com", "/").status()).isEqualTo(200);
            assertThat(c.get("v1.example.com", "/again").status()).isEqualTo(200);
        }
        assertThat(wiremock.getAllServeEvents()).allSatisfy(e ->
                assertThat(e.getRequest().getHeader("X-Forwarded-For")).isEqualTo("203.0.113.7"));
    }

    @Test
    void aV2HeaderNamesTheClientInXForwardedFor() throws Exception {
        wiremock.resetRequests();
        try (RawClient c = new RawClient(acceptsProxy)) {
            c.send(v2Header(new byte[] {(byte) 198, 51, 100, 9}, 40000));
            assertThat(c.get("v1.example.com", "/").status()).isEqualTo(200);
        }
        assertThat(wiremock.getAllServeEvents().get(0).getRequest().getHeader("X-Forwarded-For")).isEqualTo("198.51.100.9");
    }

    @Test
    void aTlsListenerBehindALoadBalancerTakesTheClientFromTheHeaderOnBothProtocols() throws Exception {
        io.predictor.core.testing.TestCertificates certs = new io.predictor.core.testing.TestCertificates("pp CA");
        java.nio.file.Path dir = io.predictor.core.testing.TestCertificates.newDirectory("pp");
        certs.writePair(dir, "default", "v1.example.com");
        io.predictor.core.tls.CertificateStore store = io.predictor.core.tls.CertificateStore.load(dir,
                new io.predictor.core.tls.CertificateStore.Listener() {
                    @Override
                    public void loaded(java.nio.file.Path d, List<io.predictor.core.tls.ServerCertificate> c, String def) {
                    }

                    @Override
                    public void problem(java.nio.file.Path file, String message) {
                    }
                });
        InetSocketAddress tls = plainPools.server().bindTls(new ListenerSettings("tls-behind-lb",
                new InetSocketAddress("127.0.0.1", 0), a -> false, true), plainPools.router(), ExchangeListener.NONE, store);
        wiremock.resetRequests();
        try (java.net.Socket raw = new java.net.Socket()) {
            raw.connect(tls, 5000);
            raw.getOutputStream().write("PROXY TCP4 203.0.113.80 192.0.2.1 50000 443\r\n".getBytes());
            javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) certs.clientContext().getSocketFactory()
                    .createSocket(raw, "v1.example.com", tls.getPort(), true);
            s.startHandshake();
            try (RawClient c = new RawClient(s)) {
                assertThat(c.get("v1.example.com", "/h1").status()).isEqualTo(200);
            }
        }
        try (io.predictor.core.testing.H2Client h2 = new io.predictor.core.testing.H2Client(certs.ca(), tls,
                "v1.example.com", "PROXY TCP4 203.0.113.81 192.0.2.1 50001 443\r\n".getBytes())) {
            assertThat(h2.get("/h2").status()).isEqualTo(200);
        }
        assertThat(wiremock.getAllServeEvents()).extracting(e -> e.getRequest().getUrl() + " "
                + e.getRequest().getHeader("X-Forwarded-For") + " " + e.getRequest().getHeader("X-Forwarded-Proto"))
                .containsExactlyInAnyOrder("/h1 203.0.113.80 https", "/h2 203.0.113.81 https");
    }

    @Test
    void aConnectionWithoutTheHeaderIsClosed() throws Exception {
        try (RawClient c = new RawClient(acceptsProxy)) {
            c.send("GET / HTTP/1.1\r\nHost: v1.example.com\r\n\r\n");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void poolsThatAskGetV1OrV2WithTheClientAddress() throws Exception {
        v1Seen.clear();
        v2Seen.clear();
        try (RawClient c = new RawClient(sendsProxy)) {
            c.send("PROXY TCP4 203.0.113.50 192.0.2.1 51001 443\r\n");
            assertThat(c.get("v1.example.com", "/").bodyText()).isEqualTo("v1");
            assertThat(c.get("v2.example.com", "/").bodyText()).isEqualTo("v2");
        }
        String first = v1Seen.poll(5, TimeUnit.SECONDS);
        assertThat(first).startsWith("PROXY TCP4 203.0.113.50 192.0.2.1 51001 443\r\nGET / HTTP/1.1\r\n");
        assertThat(v2Seen.poll(5, TimeUnit.SECONDS)).isEqualTo("21 11 203.0.113.50 51001");
    }

    @Test
    void aPooledOriginConnectionIsReusedOnlyForTheSameClient() throws Exception {
        v1Seen.clear();
        int before = v1Origin.accepted();
        for (String client : new String[] {"203.0.113.60", "203.0.113.61", "203.0.113.60"}) {
            try (RawClient c = new RawClient(sendsProxy)) {
                c.send("PROXY TCP4 " + client + " 192.0.2.1 52000 443\r\n");
                assertThat(c.get("v1.example.com", "/").bodyText()).isEqualTo("v1");
            }
        }
        assertThat(v1Origin.accepted() - before).as("the third client reuses the first one's connection").isEqualTo(2);
    }

    private static byte[] v2Header(byte[] src, int srcPort) {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        b.put(src).put(new byte[] {(byte) 192, 0, 2, 1}).putShort((short) srcPort).putShort((short) 443);
        return b.array();
    }
}

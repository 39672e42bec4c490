package io.predictor.core.server;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.testing.TlsClient;
import io.predictor.core.testing.UploadWhileAnswered;
import io.predictor.core.tls.CertificateStore;
import io.predictor.core.tls.ServerCertificate;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A TLS listener end to end: certificates by SNI, hot reload, ALPN to HTTP/1.1 and HTTP/2, 421. */
class TlsListenerIT {

    static WireMockServer local;
    static WireMockServer legacy;
    static TestProxy proxy;
    static TestCertificates certs;
    static Path dir;
    static CertificateStore store;
    static InetSocketAddress tls;
    static SSLContext client;
    static final List<String> problems = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        local = ProxyRoutingIT.origin("local");
        legacy = ProxyRoutingIT.origin("legacy");
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        b.add("shop.example.org", SiteState.LEGACY, "filer-042");
        b.add("down.example.org", SiteState.MAINTENANCE, "filer-042");
        b.add("*.blog.example.net", SiteState.MIGRATED, "filer-007");
        b.add("held.example.org", SiteState.LEGACY, null);
        proxy = new TestProxy(b.build(), ProxyRoutingIT.addr(local), ProxyRoutingIT.addr(legacy));
        certs = new TestCertificates("Predictor Test CA");
        dir = TestCertificates.newDirectory("tls-it");
        certs.writePair(dir, "default", "default.test");
        certs.writePair(dir, "example", "www.example.com", "shop.example.org", "down.example.org", "held.example.org");
        certs.writePair(dir, "blog", "*.blog.example.net");
        store = CertificateStore.load(dir, new CertificateStore.Listener() {
            @Override
            public void loaded(Path directory, List<ServerCertificate> certificates, String defaultName) {
            }

            @Override
            public void problem(Path file, String message) {
                problems.add(file.getFileName() + ": " + message);
            }
        });
        store.watch();
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), io.predictor.core.server.ExchangeListener.NONE, store);
        client = certs.clientContext();
    }

    @AfterAll
    static void stop() {
        store.close();
        proxy.close();
        local.stop();
        legacy.stop();
    }

    @BeforeEach
    void clearJournals() {
        local.resetRequests();
        legacy.resetRequests();
    }

    /**
     * Over TLS too, a 503 answered while the client is still sending its body reaches the client,
     * and the rest of the body is taken (read away) rather than refused with a reset.
     */
    @Test
    void aMaintenance503ReachesAClientStillSendingItsBody() throws Exception {
        try (SSLSocket s = TlsClient.connect(client, tls, "down.example.org")) {
            s.setSoTimeout(10_000);
            byte[] body = new byte[8 << 20];
            UploadWhileAnswered.Result r = UploadWhileAnswered.send(s,
                    "POST /upload HTTP/1.1\r\nHost: down.example.org\r\nContent-Length: " + body.length + "\r\n\r\n", body, 12);
            assertThat(r.answer()).isEqualTo("HTTP/1.1 503");
            assertThat(r.writeFailure()).as("the whole body was taken").isNull();
        }
    }

    @Test
    void eachSniGetsTheCertificateThatNamesItAndOthersTheDefault() throws Exception {
        assertThat(served("www.example.com")).isEqualTo("www.example.com");
        assertThat(served("shop.example.org")).isEqualTo("www.example.com");
        assertThat(served("a.blog.example.net")).as("wildcard").isEqualTo("*.blog.example.net");
        assertThat(served("a.b.blog.example.net")).as("a wildcard covers one label").isEqualTo("default.test");
        assertThat(served("unknown.example")).isEqualTo("default.test");
        assertThat(served(null)).as("no SNI").isEqualTo("default.test");
    }

    @Test
    void sessionsAreResumed() throws Exception {
        SSLContext ctx = certs.clientContext();
        long created;
        try (SSLSocket s = tls12(ctx)) {
            created = s.getSession().getCreationTime();
        }
        try (SSLSocket s = tls12(ctx)) {
            assertThat(s.getSession().getCreationTime()).as("the second handshake resumed the first session")
                    .isEqualTo(created);
        }
    }

    private static SSLSocket tls12(SSLContext ctx) throws Exception {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(tls.getAddress(), tls.getPort());
        javax.net.ssl.SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new javax.net.ssl.SNIHostName("www.example.com")));
        p.setProtocols(new String[] {"TLSv1.2"});
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    @Test
    void onlyTls12And13AreSpoken() throws Exception {
        try (SSLSocket s = TlsClient.connect(client, tls, "www.example.com")) {
            assertThat(s.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
        }
        SSLContext old = certs.clientContext();
        assertThatThrownBy(() -> {
            try (SSLSocket s = (SSLSocket) old.getSocketFactory().createSocket(tls.getAddress(), tls.getPort())) {
                s.setEnabledProtocols(new String[] {"TLSv1.1"});
                s.startHandshake();
            }
        }).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void aCertificateAddedToTheDirectoryIsServedWithoutRestartAndABadOneIsSkipped() throws Exception {
        assertThat(served("new.example.org")).isEqualTo("default.test");
        Files.writeString(dir.resolve("broken.crt"), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        Files.writeString(dir.resolve("broken.key"), "nothing");
        certs.writePair(dir, "new", "new.example.org");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!served("new.example.org").equals("new.example.org") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(served("new.example.org")).isEqualTo("new.example.org");
        assertThat(served("www.example.com")).as("the others are still served").isEqualTo("www.example.com");
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("broken.crt"));
        Files.delete(dir.resolve("broken.crt"));
        Files.delete(dir.resolve("broken.key"));
    }

    @Test
    void http11ChosenByAlpnReachesTheRightOriginAsHttps() throws Exception {
        try (SSLSocket s = TlsClient.connect(client, tls, "www.example.com", "h2", "http/1.1")) {
            assertThat(s.getApplicationProtocol()).isEqualTo("h2"); // offered first by the client, preferred
        }
        try (SSLSocket s = TlsClient.connect(client, tls, "www.example.com", "http/1.1");
                RawClient c = new RawClient(s)) {
            assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
            assertThat(c.get("www.example.com", "/a").bodyText()).isEqualTo("local");
            assertThat(c.get("shop.example.org", "/b").bodyText()).as("same connection, other site").isEqualTo("legacy");
        }
        LoggedRequest r = local.getAllServeEvents().get(0).getRequest();
        assertThat(r.getHeader("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(r.getHeader("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void clientsWithoutAlpnSpeakHttp11() throws Exception {
        try (SSLSocket s = TlsClient.connect(client, tls, "www.example.com"); RawClient c = new RawClient(s)) {
            assertThat(c.get("www.example.com", "/").bodyText()).isEqualTo("local");
        }
    }

    @Test
    void http2ChosenByAlpnReachesTheRightOrigins() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response r = h2.get("/h2");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("local");
            assertThat(r.headers().get("x-origin").toString()).isEqualTo("local");
            H2Client.Response other = h2.request(h2.headers("GET", "/x").authority("shop.example.org"), null);
            assertThat(other.bodyText()).as("one connection, another site (coalescing)").isEqualTo("legacy");
            H2Client.Response down = h2.request(h2.headers("GET", "/").authority("down.example.org"), null);
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.headers().get("retry-after").toString()).isEqualTo("120");
            assertThat(down.bodyText()).contains("maintenance");
        }
        LoggedRequest r = local.getAllServeEvents().get(0).getRequest();
        assertThat(r.getUrl()).isEqualTo("/h2");
        assertThat(r.getHeader("Host")).isEqualTo("www.example.com");
        assertThat(r.getHeader("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(r.getHeader("X-Forwarded-Host")).isEqualTo("www.example.com");
        assertThat(r.getHeader("Via")).isEqualTo("2 " + TestProxy.INSTANCE + " (predictor local)");
    }

    @Test
    void http2RequestBodiesReachTheOriginWithAndWithoutLength() throws Exception {
        byte[] big = new byte[600_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response chunked = h2.request(h2.headers("POST", "/upload"), big);
            assertThat(chunked.status()).isEqualTo(200);
            H2Client.Response sized = h2.request(h2.headers("PUT", "/sized")
                    .add("content-length", "5"), "hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(sized.status()).isEqualTo(200);
        }
        List<LoggedRequest> got = local.getAllServeEvents().stream().map(e -> e.getRequest()).toList();
        LoggedRequest upload = got.stream().filter(r -> r.getUrl().equals("/upload")).findFirst().orElseThrow();
        assertThat(upload.getBody()).isEqualTo(big);
        LoggedRequest sized = got.stream().filter(r -> r.getUrl().equals("/sized")).findFirst().orElseThrow();
        assertThat(sized.getBodyAsString()).isEqualTo("hello");
        assertThat(sized.getHeader("Content-Length")).isEqualTo("5");
    }

    @Test
    void anHttp2StreamForASiteInHoldWaitsForItsNextState() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            proxy.set("held.example.org", SiteState.HOLD);
            java.util.concurrent.CompletableFuture<H2Client.Response> r = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return h2.request(h2.headers("GET", "/held").authority("held.example.org"), null);
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    });
            Thread.sleep(300);
            assertThat(r).isNotDone();
            assertThat(h2.get("/meanwhile").status()).as("other streams go on").isEqualTo(200);
            proxy.set("held.example.org", SiteState.MIGRATED);
            assertThat(r.get(10, java.util.concurrent.TimeUnit.SECONDS).bodyText()).isEqualTo("local");
        }
    }

    @Test
    void aHostTheCertificateDoesNotCoverIsMisdirectedOnBothProtocols() throws Exception {
        try (SSLSocket s = TlsClient.connect(client, tls, "www.example.com", "http/1.1"); RawClient c = new RawClient(s)) {
            RawClient.Response r = c.get("a.blog.example.net", "/");
            assertThat(r.status()).isEqualTo(421);
            assertThat(c.get("www.example.com", "/").status()).as("the connection goes on").isEqualTo(200);
        }
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response r = h2.request(h2.headers("GET", "/").authority("a.blog.example.net"), null);
            assertThat(r.status()).isEqualTo(421);
        }
        assertThat(local.getAllServeEvents()).hasSize(1);
    }

    /**
     * A listener whose context cache holds one context, for six certificates: nearly every
     * handshake waits for its certificate's context to be built (off the event loop) while
     * another is evicted; each still gets its own certificate, and requests on it are routed and
     * checked against it (421) as on the listener above.
     */
    @Test
    void withAOneContextCacheEveryHandshakeStillGetsItsOwnCertificate() throws Exception {
        Path churn = TestCertificates.newDirectory("tls-churn");
        certs.writePair(churn, "default", "default.test");
        certs.writePair(churn, "example", "www.example.com");
        certs.writePair(churn, "blog", "*.blog.example.net");
        for (int i = 1; i <= 3; i++) {
            certs.writePair(churn, "a" + i, "a" + i + ".test");
        }
        List<String> churnProblems = new CopyOnWriteArrayList<>();
        try (CertificateStore small = oneContextStore(churn, churnProblems)) {
            InetSocketAddress address = bindTls("https-churn", small);
            String[][] cases = {{"www.example.com", "www.example.com"}, {"a.blog.example.net", "*.blog.example.net"},
                {"a1.test", "a1.test"}, {"a2.test", "a2.test"}, {"a3.test", "a3.test"}, {"unknown.test", "default.test"}};
            for (int round = 0; round < 3; round++) {
                for (String[] c : cases) {
                    try (SSLSocket s = TlsClient.connect(certs.clientContext(), address, c[0])) {
                        assertThat(TlsClient.subjectName(s)).as("round %d, SNI %s", round, c[0]).isEqualTo(c[1]);
                    }
                }
                try (SSLSocket s = TlsClient.connect(certs.clientContext(), address, "www.example.com", "http/1.1");
                        RawClient c = new RawClient(s)) {
                    assertThat(c.get("www.example.com", "/").status()).isEqualTo(200);
                    assertThat(c.get("a.blog.example.net", "/").status()).isEqualTo(421);
                }
            }
            assertThat(small.contextsBuilt()).as("bounded").isLessThanOrEqualTo(1);
            assertThat(small.contextBuilds()).as("evicted and built again").isGreaterThan(6);
        }
        assertThat(churnProblems).isEmpty();
    }

    /**
     * A pair the TLS engine refuses, met by a handshake (a one-context cache: the warm-up never
     * reaches it): the build fails during the ClientHello, and the connection gets the default
     * certificate, with requests checked against the default's names (421 for the refused
     * pair's name), as for an unknown name. The refusal is reported once.
     */
    @Test
    void aHandshakeWhoseCertificateTheEngineRefusesGetsTheDefault() throws Exception {
        Path dir = TestCertificates.newDirectory("tls-refused");
        certs.writePair(dir, "default", "default.test");
        certs.writePair(dir, "example", "www.example.com");
        TestCertificates.writeKeyWithForeignScalar(dir, "example", "default");
        List<String> refusals = new CopyOnWriteArrayList<>();
        try (CertificateStore store = oneContextStore(dir, refusals)) {
            InetSocketAddress address = bindTls("https-refused", store);
            for (int i = 0; i < 2; i++) {
                try (SSLSocket s = TlsClient.connect(certs.clientContext(), address, "www.example.com", "http/1.1");
                        RawClient c = new RawClient(s)) {
                    assertThat(TlsClient.subjectName(s)).as("handshake %d", i).isEqualTo("default.test");
                    assertThat(c.get("www.example.com", "/").status()).as("not covered by the default").isEqualTo(421);
                }
            }
            assertThat(refusals).singleElement().satisfies(p -> assertThat(p).startsWith("example.crt")
                    .contains("the TLS engine refused the pair"));
        }
    }

    /** {@code dir}'s certificates behind a one-context cache, their problems added to {@code problems}. */
    private static CertificateStore oneContextStore(Path dir, List<String> problems) throws Exception {
        return CertificateStore.load(dir, 1, new CertificateStore.Listener() {
            @Override
            public void loaded(Path directory, List<ServerCertificate> certificates, String defaultName) {
            }

            @Override
            public void problem(Path file, String message) {
                problems.add(file.getFileName() + ": " + message);
            }
        });
    }

    /** Another TLS listener on the shared proxy, with {@code store}'s certificates. */
    private static InetSocketAddress bindTls(String name, CertificateStore store) throws Exception {
        return proxy.server().bindTls(new ListenerSettings(name, new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), io.predictor.core.server.ExchangeListener.NONE, store);
    }

    @Test
    void malformedHttp2RequestsNeverReachTheOrigin() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response conn = h2.request(h2.headers("GET", "/").add("connection", "keep-alive"), null);
            assertThat(conn.status()).isNotEqualTo(200);
            H2Client.Response hostMismatch = h2.request(h2.headers("GET", "/").add("host", "shop.example.org"), null);
            assertThat(hostMismatch.status()).isNotEqualTo(200);
            assertThat(h2.get("/still").status()).isEqualTo(200);
        }
        assertThat(local.getAllServeEvents()).hasSize(1);
        assertThat(legacy.getAllServeEvents()).isEmpty();
    }

    /**
     * The certificate served for {@code sni}. A fresh client context each time: the JDK client
     * resumes a cached session of the same address with that session's SNI, not the new one.
     */
    private String served(String sni) throws Exception {
        try (SSLSocket s = TlsClient.connect(certs.clientContext(), tls, sni)) {
            return TlsClient.subjectName(s);
        }
    }
}

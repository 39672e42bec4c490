package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.EchoRoundTrip;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.testing.TlsClient;
import io.predictor.core.testing.TlsOrigin;
import io.predictor.core.testing.UploadWhileAnswered;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each native {@code runtime.transport} named explicitly — epoll and io_uring — end to end, with
 * each {@code runtime.allocator}: routed HTTP/1.1 requests over kept-alive client and origin
 * connections, bodies of megabytes both ways, a TLS listener (HTTP/1.1 and HTTP/2), TLS passthrough
 * and a TCP relay. The rest of the suite runs on {@code auto}, which is io_uring where it loads:
 * this class keeps the epoll paths tested there too. A transport that does not load here is skipped with
 * the reason.
 */
class NativeTransportIT {

    static final int BIG = 8 * 1024 * 1024;
    static final byte[] BIG_BODY = new byte[BIG];

    static RawOrigin local;
    static RawOrigin legacy;
    static RawOrigin echo;
    static TestCertificates originCa;
    static TlsOrigin localTls;
    static TestCertificates certs;
    /** The certificates' directory; each TLS listener loads its own store (its server closes it). */
    static Path certificateDir;

    @BeforeAll
    static void start() throws Exception {
        new Random(11).nextBytes(BIG_BODY);
        local = httpOrigin("local");
        legacy = httpOrigin("legacy");
        echo = new RawOrigin(s -> s.getInputStream().transferTo(s.getOutputStream()));
        originCa = new TestCertificates("Origin CA");
        localTls = new TlsOrigin(originCa.serverContext("local-origin.test", "www.example.com"), "local-tls", false);
        certs = new TestCertificates("Predictor Test CA");
        Path dir = TestCertificates.newDirectory("native-transport-it");
        certs.writePair(dir, "example", "www.example.com", "shop.example.org");
        certificateDir = dir;
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {local, legacy, echo, localTls}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /**
     * A keep-alive HTTP/1.1 origin: answers {@code NAME LENGTH SHA-256} of the request body, or
     * {@link #BIG_BODY} for {@code GET /big}.
     */
    static RawOrigin httpOrigin(String name) throws Exception {
        return new RawOrigin(s -> {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String head;
            while ((head = RawOrigin.readHead(in)) != null) {
                long length = 0;
                for (String line : head.split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Long.parseLong(line.substring(15).trim());
                    }
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[65536];
                for (long left = length; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        return;
                    }
                    sha.update(buf, 0, n);
                    left -= n;
                }
                byte[] body = head.startsWith("GET /big ") ? BIG_BODY
                        : (name + " " + length + " " + HexFormat.of().formatHex(sha.digest()))
                                .getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        });
    }

    static TestProxy proxy(String transport, String allocator) throws Exception {
        Assumptions.assumeTrue(Transport.isAvailable(transport),
                () -> transport + " is not available on this machine: " + Transport.unavailabilityReason(transport));
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        b.add("shop.example.org", SiteState.LEGACY, "filer-042");
        b.add("down.example.org", SiteState.MAINTENANCE, "filer-042");
        PoolSettings l = new PoolSettings("local", List.of(local.address()), PoolSettings.Balance.ROUND_ROBIN)
                .withTlsServers(List.of(localTls.address()));
        PoolSettings g = new PoolSettings("legacy", List.of(legacy.address()), PoolSettings.Balance.ROUND_ROBIN);
        TestProxy p = new TestProxy(b.build(), l, g,
                TestProxy.settings().withTransport(transport).withAllocator(allocator), ExchangeListener.NONE);
        assertThat(p.server().transportName()).isEqualTo(transport);
        assertThat(p.server().allocatorName()).isEqualTo(allocator);
        return p;
    }

    @ParameterizedTest
    @CsvSource({"epoll, pooled", "epoll, adaptive", "io_uring, pooled", "io_uring, adaptive"})
    void requestsAreRoutedOverKeptAliveConnections(String transport, String allocator) throws Exception {
        int localBefore = local.accepted();
        int legacyBefore = legacy.accepted();
        try (TestProxy p = proxy(transport, allocator); RawClient c = new RawClient(p.address())) {
            for (int i = 0; i < 50; i++) {
                assertThat(c.get("www.example.com", "/" + i).bodyText()).startsWith("local 0 ");
                assertThat(c.get("shop.example.org", "/" + i).bodyText()).startsWith("legacy 0 ");
            }
        }
        assertThat(local.accepted() - localBefore).as("one origin connection, reused").isEqualTo(1);
        assertThat(legacy.accepted() - legacyBefore).as("one origin connection, reused").isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource({"epoll, pooled", "epoll, adaptive", "io_uring, pooled", "io_uring, adaptive"})
    void bodiesOfMegabytesPassIntactBothWays(String transport, String allocator) throws Exception {
        try (TestProxy p = proxy(transport, allocator); RawClient c = new RawClient(p.address())) {
            c.send("POST /upload HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: " + BIG + "\r\n\r\n");
            c.send(BIG_BODY);
            assertThat(c.read().bodyText())
                    .isEqualTo("local " + BIG + " " + HexFormat.of().formatHex(sha256(BIG_BODY)));
            RawClient.Response big = c.get("shop.example.org", "/big");
            assertThat(big.status()).isEqualTo(200);
            assertThat(sha256(big.body())).isEqualTo(sha256(BIG_BODY));
        }
    }

    /** The lingering close on each transport: a 503 sent mid-upload arrives, and the body is taken. */
    @ParameterizedTest
    @CsvSource({"epoll", "io_uring"})
    void aMaintenance503ReachesAClientStillSendingItsBody(String transport) throws Exception {
        try (TestProxy p = proxy(transport, "pooled"); Socket s = new Socket()) {
            s.connect(p.address(), 5_000);
            s.setSoTimeout(10_000);
            UploadWhileAnswered.Result r = UploadWhileAnswered.send(s,
                    "POST /upload HTTP/1.1\r\nHost: down.example.org\r\nContent-Length: " + BIG + "\r\n\r\n",
                    BIG_BODY, Integer.MAX_VALUE); // to the close
            assertThat(r.answer()).startsWith("HTTP/1.1 503").containsIgnoringCase("connection: close");
            assertThat(r.writeFailure()).as("the whole body was taken").isNull();
        }
    }

    @ParameterizedTest
    @CsvSource({"epoll, pooled", "epoll, adaptive", "io_uring, pooled", "io_uring, adaptive"})
    void aTlsListenerServesHttp1AndHttp2(String transport, String allocator) throws Exception {
        try (TestProxy p = proxy(transport, allocator)) {
            InetSocketAddress tls = p.server().bindTls(new ListenerSettings("https",
                    new InetSocketAddress("127.0.0.1", 0), a -> false), p.router(), ExchangeListener.NONE,
                    TestCertificates.quietStore(certificateDir));
            try (SSLSocket s = TlsClient.connect(certs.clientContext(), tls, "www.example.com");
                    RawClient c = new RawClient(s)) {
                assertThat(c.get("www.example.com", "/").bodyText()).startsWith("local 0 ");
                assertThat(c.get("shop.example.org", "/big").body()).hasSize(BIG);
            }
            try (H2Client h2 = new H2Client(certs.ca(), tls, "shop.example.org")) {
                H2Client.Response r = h2.get("/h2");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).startsWith("legacy 0 ");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"epoll, pooled", "epoll, adaptive", "io_uring, pooled", "io_uring, adaptive"})
    void passthroughAndTheTcpRelayCarryBytesIntact(String transport, String allocator) throws Exception {
        try (TestProxy p = proxy(transport, allocator)) {
            InetSocketAddress pass = p.server().bindPassthrough(new ListenerSettings("tls-pass",
                    new InetSocketAddress("127.0.0.1", 0), a -> false), p.router());
            try (SSLSocket s = TlsClient.connect(originCa.clientContext(), pass, "www.example.com");
                    RawClient c = new RawClient(s)) {
                assertThat(TlsClient.subjectName(s)).isEqualTo("local-origin.test");
                assertThat(c.get("www.example.com", "/").bodyText()).isEqualTo("local-tls");
            }
            InetSocketAddress tcp = p.server().bindTcp(new ListenerSettings("db",
                    new InetSocketAddress("127.0.0.1", 0), a -> false),
                    new PoolSettings("db", List.of(echo.address()), PoolSettings.Balance.ROUND_ROBIN));
            EchoRoundTrip.assertEchoedIntact(tcp, BIG_BODY);
        }
    }

    /**
     * The last bytes of a response and the origin's reset (or FIN) often arrive together. On
     * io_uring with multishot polls, one completion covered both and the end went unnoticed in
     * about 1 run in 13 (see {@link Transport#POLL_ADD_MULTISHOT}), so each case runs 40 times.
     */
    @ParameterizedTest
    @CsvSource({"epoll", "io_uring"})
    void theEndOfAnOriginConnectionIsNoticedEveryTime(String transport) throws Exception {
        try (RawOrigin resetting = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
                    s.setSoLinger(true, 0);
                });
                RawOrigin untilClose = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\n\r\nthe whole body");
                })) {
            for (int i = 0; i < 40; i++) {
                try (TestProxy p = endingProxy(transport, resetting, untilClose)) {
                    try (RawClient c = new RawClient(p.address())) {
                        c.send("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
                        String all = new String(c.input().readAllBytes(), StandardCharsets.US_ASCII);
                        assertThat(all).as("reset mid-response, run %d", i).startsWith("HTTP/1.1 200 OK")
                                .endsWith("only part");
                    }
                    try (RawClient c = new RawClient(p.address())) {
                        c.send("GET / HTTP/1.1\r\nHost: shop.example.org\r\n\r\n");
                        String all = new String(c.input().readAllBytes(), StandardCharsets.US_ASCII);
                        assertThat(all).as("body until close, run %d", i).startsWith("HTTP/1.1 200 OK")
                                .endsWith("the whole body");
                    }
                }
            }
        }
    }

    private static TestProxy endingProxy(String transport, RawOrigin local, RawOrigin legacy) throws Exception {
        Assumptions.assumeTrue(Transport.isAvailable(transport),
                () -> transport + " is not available on this machine: " + Transport.unavailabilityReason(transport));
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, null);
        b.add("shop.example.org", SiteState.LEGACY, null);
        return new TestProxy(b.build(), local.address(), legacy.address(),
                TestProxy.settings().withTransport(transport), ExchangeListener.NONE);
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}

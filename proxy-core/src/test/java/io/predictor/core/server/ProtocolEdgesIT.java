package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Headers;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.tls.CertificateStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 to HTTP/1.1 translation and HTTP/1 interim, upgrade and HTTP/1.0 edges (from a review;
 * the cases that failed before: a response cut by the proxy's own RST_STREAM before its
 * END_STREAM, a gzip transfer coding passed to an h2 client as the content, 1xx and chunked
 * responses sent to HTTP/1.0 clients).
 */
class ProtocolEdgesIT {

    static RawOrigin origin;
    static TestProxy proxy;
    static TestCertificates certs;
    static CertificateStore store;
    static InetSocketAddress tls;
    static final BlockingQueue<String> heads = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        origin = new RawOrigin(ProtocolEdgesIT::serve);
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        proxy = new TestProxy(b.build(), origin.address(), origin.address());
        certs = new TestCertificates("Predictor Test CA");
        Path dir = TestCertificates.newDirectory("h2-review-it");
        certs.writePair(dir, "example", "www.example.com");
        store = TestCertificates.quietStore(dir);
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), ExchangeListener.NONE, store);
    }

    @AfterAll
    static void stop() throws IOException {
        store.close();
        proxy.close();
        origin.close();
    }

    static byte[] gzip(String s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(s.getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    static void serve(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        String head;
        while ((head = RawOrigin.readHead(in)) != null) {
            heads.add(head);
            String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
            switch (path) {
                case "/interim" -> RawOrigin.write(s,
                        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal");
                case "/early-hints" -> RawOrigin.write(s,
                        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal");
                case "/close-delimited" -> {
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\n\r\n");
                    Thread.sleep(100);
                    RawOrigin.write(s, "part1-");
                    Thread.sleep(100);
                    RawOrigin.write(s, "part2");
                    return;
                }
                case "/chunked" -> RawOrigin.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\n\r\n");
                case "/expect" -> {
                    RawOrigin.write(s, "HTTP/1.1 100 Continue\r\n\r\n");
                    byte[] body = in.readNBytes(5);
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                            + new String(body, StandardCharsets.ISO_8859_1));
                }
                case "/expect-refuse" -> RawOrigin.write(s, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
                case "/early-big" -> {
                    // answers at once, before the request body (which it never reads)
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().write(new byte[300_000]);
                    s.getOutputStream().flush();
                    Thread.sleep(5000);
                    return;
                }
                case "/head" -> RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
                case "/trailers" -> RawOrigin.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n");
                case "/gzip-te" -> {
                    byte[] z = gzip("hello world");
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                            + Integer.toHexString(z.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().write(z);
                    s.getOutputStream().write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                }
                case "/ws" -> {
                    RawOrigin.write(s, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
                    byte[] buf = new byte[1024];
                    int n = in.read(buf);
                    s.getOutputStream().write(("echo:" + new String(buf, 0, n, StandardCharsets.ISO_8859_1))
                            .getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    Thread.sleep(500);
                    return;
                }
                case "/upload" -> {
                    // a chunked body: read until the last chunk
                    StringBuilder sb = new StringBuilder();
                    int c;
                    while ((c = in.read()) != -1) {
                        sb.append((char) c);
                        if (sb.toString().endsWith("0\r\n\r\n")) {
                            break;
                        }
                    }
                    heads.add(sb.toString());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                }
                default -> RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        }
    }

    @Test
    void h2InterimThenFinal() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response r = h2.get("/interim");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("final");
        }
    }

    @Test
    void h2CloseDelimited() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response r = h2.get("/close-delimited");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("part1-part2");
            assertThat(r.resetCode()).isEqualTo(-1);
        }
    }

    @Test
    void h2Head() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response r = h2.request(h2.headers("HEAD", "/head"), null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEmpty();
            assertThat(r.headers().get("content-length").toString()).isEqualTo("100");
        }
    }

    @Test
    void h2ChunkedTrailers() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response r = h2.get("/trailers");
            assertThat(r.bodyText()).isEqualTo("hello world");
        }
    }

    /** RFC 9113 §8.2.2 / RFC 9112 §6.1: a transfer coding other than chunked cannot go to an h2 client. */
    @Test
    void h2TransferCodingGzipIsNotPassedAsIdentityBytes() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response r = h2.get("/gzip-te");
            System.out.println("gzip-te: status " + r.status() + " headers " + r.headers() + " body " + r.body().length);
            // either decoded, or refused (502): never the coded bytes as if they were the content
            if (r.status() == 200) {
                assertThat(r.bodyText()).isEqualTo("hello world");
            } else {
                assertThat(r.status()).isEqualTo(502);
            }
        }
    }

    @Test
    void h2RequestHeadTranslation() throws Exception {
        heads.clear();
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            Http2Headers h = h2.headers("POST", "/upload");
            h.add("cookie", "a=1");
            h.add("cookie", "b=2");
            h.add("te", "trailers");
            H2Client.Response r = h2.request(h, "hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.bodyText()).isEqualTo("ok");
            String head = heads.poll(5, TimeUnit.SECONDS);
            String body = heads.poll(5, TimeUnit.SECONDS);
            System.out.println("HEAD:\n" + head + "BODY:\n" + body);
            assertThat(head).contains("cookie: a=1; b=2\r\n").contains("Transfer-Encoding: chunked")
                    .doesNotContain("te:").contains("Host: www.example.com\r\n").contains("Via: 2 ");
            assertThat(body).isEqualTo("5\r\nhello\r\n0\r\n\r\n");
        }
    }

    /** RFC 9110 §15.2: a server MUST NOT send a 1xx response to an HTTP/1.0 client. */
    @Test
    void http10ClientGetsNoInterimResponse() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /early-hints HTTP/1.0\r\nHost: www.example.com\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).as("the first response an HTTP/1.0 client reads").isEqualTo(200);
        }
    }

    /** The same with Expect: 100-continue from an HTTP/1.0 client (RFC 9110 §10.1.1: the expectation is ignored for 1.0). */
    @Test
    void http10ClientWithExpectGetsNo100() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("POST /expect HTTP/1.0\r\nHost: www.example.com\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nabcde");
            RawClient.Response r = c.read();
            assertThat(r.status()).as("the first response an HTTP/1.0 client reads").isEqualTo(200);
        }
    }

    /**
     * RFC 9112 §6.1: a server MUST NOT send Transfer-Encoding in a response to an HTTP/1.0
     * request, whose client cannot read it (it took the chunk sizes for the content). An origin
     * that does so anyway gets a 502 in its place, as a malformed answer would.
     */
    @Test
    void http10ClientGetsNoChunkedResponse() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /chunked HTTP/1.0\r\nHost: www.example.com\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.header("transfer-encoding")).as("Transfer-Encoding to an HTTP/1.0 client").isNull();
            assertThat(r.status()).isEqualTo(502);
        }
    }

    @Test
    void http11ExpectContinue() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("POST /expect HTTP/1.1\r\nHost: www.example.com\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(100);
            c.send("abcde");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("abcde");
        }
    }

    @Test
    void http11ExpectRefusedBodyIsNotARequest() throws Exception {
        heads.clear();
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("POST /expect-refuse HTTP/1.1\r\nHost: www.example.com\r\nExpect: 100-continue\r\nContent-Length: "
                    + smuggled.length() + "\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(417);
            c.send(smuggled + "GET /after HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
            Thread.sleep(500);
        }
        assertThat(String.join("|", heads)).doesNotContain("/smuggled");
    }

    @Test
    void h2ExpectContinue() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            Http2Headers h = h2.headers("POST", "/expect");
            h.add("content-length", "5");
            h.add("expect", "100-continue");
            H2Client.Response r = h2.request(h, "abcde".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("abcde");
        }
    }

    /** RFC 9113 §8.1: RST_STREAM(NO_ERROR) only after the complete response (END_STREAM) was sent. */
    @Test
    void h2EarlyResponseLargerThanTheWindowIsNotCutByTheReset() throws Exception {
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
            H2Client.Response r = h2.request(h2.headers("POST", "/early-big"), new byte[3 * 1024 * 1024]);
            System.out.println("early-big: status " + r.status() + " body " + r.body().length + " reset " + r.resetCode()
                    + " resets " + h2.resetsReceived());
            assertThat(r.resetCode()).as("the stream was reset before its response ended").isEqualTo(-1);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body().length).isEqualTo(300_000);
        }
    }

    /** The same reset after the proxy's own answer (here a 421) cuts its page when the client's window is small. */
    @Test
    void h2ProxyAnswerBeforeTheRequestBodyEndedIsNotCutByTheReset() throws Exception {
        io.netty.handler.codec.http2.Http2Settings settings =
                io.netty.handler.codec.http2.Http2Settings.defaultSettings().initialWindowSize(64);
        try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com", null, settings)) {
            assertThat(h2.get("/").status()).isEqualTo(200); // the settings are acknowledged by now
            H2Client.Response r = h2.request(h2.headers("POST", "/").authority("other.example.net"), new byte[200_000]);
            System.out.println("421: status " + r.status() + " body " + r.body().length + " reset " + r.resetCode());
            assertThat(r.resetCode()).as("the stream was reset before its response ended").isEqualTo(-1);
            assertThat(r.status()).isEqualTo(421);
            assertThat(r.bodyText()).contains("421");
        }
    }

    @Test
    void upgradeWithEarlyBytes() throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            c.send("GET /ws HTTP/1.1\r\nHost: www.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\nEARLY");
            InputStream in = c.input();
            String head = RawOrigin.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101");
            byte[] buf = new byte[11];
            int got = 0;
            while (got < 10) {
                int n = in.read(buf, got, buf.length - got);
                if (n < 0) {
                    break;
                }
                got += n;
            }
            assertThat(new String(buf, 0, got, StandardCharsets.ISO_8859_1)).isEqualTo("echo:EARLY");
        }
    }
}

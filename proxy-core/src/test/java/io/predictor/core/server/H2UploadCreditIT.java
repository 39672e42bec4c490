package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.tls.CertificateStore;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review: request-body bytes an HTTP/2 stream's origin took after the request ended are never
 * returned to the client's connection window while the response is awaited (Http2StreamExchange
 * #originWritable returns credit only in state BODY): every other upload of the connection stalls
 * until that one response comes.
 */
class H2UploadCreditIT {

    static final int BODY = 65_535; // one whole stream (and connection) window

    @Test
    void bytesTheOriginTookGoBackToTheConnectionWindowWhileTheResponseIsAwaited() throws Exception {
        run(true);
    }

    /** The same without hold: the body came with its headers, before a new origin connection was ready. */
    @Test
    void sameWhenTheBodyArrivedWhileTheOriginConnectionWasBeingMade() throws Exception {
        run(false);
    }

    private void run(boolean hold) throws Exception {
        CountDownLatch slowBodyRead = new CountDownLatch(1);
        ServerSocket server = new ServerSocket();
        server.setReceiveBufferSize(2048); // the origin takes little until it reads
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    new Thread(() -> serve(s, slowBodyRead)).start();
                } catch (Exception e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        InetSocketAddress originAddress = new InetSocketAddress("127.0.0.1", server.getLocalPort());
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 4, 256);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        TestCertificates certs = new TestCertificates("Predictor Test CA");
        Path dir = TestCertificates.newDirectory("h2-credit-it");
        certs.writePair(dir, "example", "www.example.com");
        try (TestProxy proxy = new TestProxy(b.build(), originAddress, originAddress);
                CertificateStore store = TestCertificates.quietStore(dir)) {
            InetSocketAddress tls = proxy.server().bindTls(
                    new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                    proxy.router(), ExchangeListener.NONE, store);
            try (H2Client h2 = new H2Client(certs.ca(), tls, "www.example.com")) {
                // stream A: its whole body arrives while the site is held, then goes to the origin at once
                if (hold) {
                    proxy.set("www.example.com", SiteState.HOLD);
                }
                CompletableFuture<H2Client.Response> a = CompletableFuture.supplyAsync(() -> {
                    try {
                        return h2.request(h2.headers("POST", "/slow")
                                .add("content-length", Integer.toString(BODY)), new byte[BODY]);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                if (hold) {
                    Thread.sleep(500);
                    proxy.set("www.example.com", SiteState.MIGRATED);
                }
                assertThat(slowBodyRead.await(10, TimeUnit.SECONDS)).as("the origin read all of A's body").isTrue();
                Thread.sleep(200);
                // control: a request without a body is not held up (no flow control for it)
                long g0 = System.nanoTime();
                H2Client.Response ping = h2.get("/ping");
                long gms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - g0);
                io.netty.handler.codec.http2.Http2Connection c = h2.channel().eventLoop().submit(() ->
                        h2.channel().pipeline().get(io.netty.handler.codec.http2.Http2FrameCodec.class).connection()).get();
                int window = h2.channel().eventLoop().submit(() ->
                        c.remote().flowController().windowSize(c.connectionStream())).get();
                System.out.println("GET took " + gms + " ms, status " + ping.status()
                        + "; client's connection send window after the origin read A's body: " + window);
                assertThat(ping.status()).isEqualTo(200);
                assertThat(gms).isLessThan(1000);
                // stream B: a small upload; the origin answers it at once
                long t0 = System.nanoTime();
                H2Client.Response r = h2.request(h2.headers("POST", "/upload"), "hello".getBytes(StandardCharsets.US_ASCII));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                boolean aDone = a.isDone();
                System.out.println("B took " + ms + " ms, status " + r.status() + ", A done before B: " + aDone);
                assertThat(r.status()).isEqualTo(200);
                assertThat(aDone).as("B waited for A's response (A answers 3 s after its body was read)").isFalse();
                assertThat(ms).as("B's upload of 5 bytes waited for the connection window").isLessThan(1500);
                assertThat(a.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        } finally {
            server.close();
        }
    }

    private static void serve(Socket s, CountDownLatch slowBodyRead) {
        try (s) {
            InputStream in = s.getInputStream();
            String head;
            while ((head = RawOrigin.readHead(in)) != null) {
                if (head.startsWith("POST /slow")) {
                    Thread.sleep(1000); // A's head and body sit in the proxy's buffers meanwhile
                    in.readNBytes(BODY);
                    slowBodyRead.countDown();
                    Thread.sleep(3000); // then A takes a while to answer
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow");
                } else if (!head.contains("chunked")) {
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                } else {
                    StringBuilder sb = new StringBuilder();
                    int c;
                    while ((c = in.read()) != -1) {
                        sb.append((char) c);
                        if (sb.toString().endsWith("0\r\n\r\n")) {
                            break;
                        }
                    }
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                }
            }
        } catch (Exception e) {
            // done
        }
    }
}

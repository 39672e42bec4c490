package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.H2Frames;
import io.predictor.core.testing.H2Client;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.testing.TlsClient;
import io.predictor.core.tls.CertificateStore;
import io.predictor.core.tls.ServerCertificate;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 abuse: a client opening and resetting streams in a loop (rapid reset, CVE-2023-44487),
 * and one flooding CONTINUATION frames, lose their connection (GOAWAY) while other clients are
 * served as before.
 */
class Http2AbuseIT {

    static WireMockServer origin;
    static TestProxy proxy;
    static TestCertificates certs;
    static InetSocketAddress tls;

    @BeforeAll
    static void start() throws Exception {
        origin = ProxyRoutingIT.origin("local");
        SiteTable.Builder b = new SiteTable.Builder(4, 64, 2, 16);
        b.add("www.example.com", SiteState.MIGRATED, null);
        proxy = new TestProxy(b.build(), ProxyRoutingIT.addr(origin), ProxyRoutingIT.addr(origin));
        certs = new TestCertificates("abuse CA");
        Path dir = TestCertificates.newDirectory("abuse");
        certs.writePair(dir, "default", "www.example.com");
        CertificateStore store = CertificateStore.load(dir, new CertificateStore.Listener() {
            @Override
            public void loaded(Path d, List<ServerCertificate> c, String def) {
            }

            @Override
            public void problem(Path file, String message) {
            }
        });
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), ExchangeListener.NONE, store);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        origin.stop();
    }

    @Test
    void rapidResetEndsTheConnectionWithEnhanceYourCalmAndOthersAreStillServed() throws Exception {
        try (H2Client bystander = new H2Client(certs.ca(), tls, "www.example.com")) {
            assertThat(bystander.get("/before").status()).isEqualTo(200);
            try (SSLSocket s = TlsClient.connect(certs.clientContext(), tls, "www.example.com", "h2")) {
                OutputStream out = s.getOutputStream();
                out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(H2Frames.frame(4, 0, 0, new byte[0]));
                int sent = 0;
                try {
                    for (int id = 1; id < 2 * 2000; id += 2) {
                        ByteArrayOutputStream batch = new ByteArrayOutputStream();
                        batch.write(H2Frames.frame(1, 0x4, id, H2Frames.getRequest("www.example.com", "/")));
                        batch.write(H2Frames.frame(3, 0, id, new byte[] {0, 0, 0, 8})); // RST_STREAM(CANCEL)
                        out.write(batch.toByteArray());
                        sent++;
                    }
                } catch (IOException closed) {
                    // the proxy hung up: what the test wants
                }
                DataInputStream in = new DataInputStream(s.getInputStream());
                long error = goAwayError(in);
                assertThat(error).as("GOAWAY error code after %d resets", sent).isEqualTo(0xb); // ENHANCE_YOUR_CALM
                assertThat(goAwayError(in)).as("then the connection is closed").isEqualTo(-1);
            }
            assertThat(bystander.get("/after").status()).as("the other client's connection").isEqualTo(200);
        }
        try (H2Client fresh = new H2Client(certs.ca(), tls, "www.example.com")) {
            assertThat(fresh.get("/new").status()).isEqualTo(200);
        }
    }

    @Test
    void aContinuationFloodEndsTheConnection() throws Exception {
        try (SSLSocket s = TlsClient.connect(certs.clientContext(), tls, "www.example.com", "h2")) {
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(H2Frames.frame(4, 0, 0, new byte[0]));
            out.write(H2Frames.frame(1, 0, 1, H2Frames.getRequest("www.example.com", "/"))); // HEADERS without END_HEADERS
            byte[] filler = new byte[1000];
            java.util.Arrays.fill(filler, (byte) 0x40); // literal with a new name... never completed
            try {
                for (int i = 0; i < 10_000; i++) {
                    out.write(H2Frames.frame(9, 0, 1, filler));
                }
            } catch (IOException closed) {
                // expected
            }
            long error = goAwayError(new DataInputStream(s.getInputStream()));
            assertThat(error).isNotEqualTo(-1);
        }
        try (H2Client fresh = new H2Client(certs.ca(), tls, "www.example.com")) {
            assertThat(fresh.get("/still").status()).isEqualTo(200);
        }
    }

    /** Reads frames until a GOAWAY (its error code) or the end of the connection (-1). */
    private static long goAwayError(DataInputStream in) {
        try {
            while (true) {
                int len = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                in.readInt();
                byte[] payload = new byte[len];
                in.readFully(payload);
                if (type == 7) {
                    return java.nio.ByteBuffer.wrap(payload, 4, 4).getInt() & 0xffffffffL;
                }
            }
        } catch (IOException e) {
            return -1;
        }
    }
}

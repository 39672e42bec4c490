package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TlsClient;
import io.predictor.core.testing.TlsOrigin;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real program with every listener kind of issue 7 in its config: a TLS listener (a
 * certificate added while it runs is served, SIGHUP reloads), a TLS passthrough listener, a TCP
 * relay listener and a listener behind a PROXY-speaking load balancer.
 */
class ProgramTlsIT {

    @TempDir
    Path dir;

    @Test
    void everyListenerKindServesFromTheConfigFile() throws Exception {
        TestCertificates certs = new TestCertificates("program CA");
        Path certDir = dir.resolve("certs");
        Files.createDirectories(certDir);
        certs.writePair(certDir, "default", "www.example.com");
        TestCertificates originCa = new TestCertificates("origin CA");
        try (RawOrigin local = new RawOrigin(s -> {
            while (RawOrigin.readHead(s.getInputStream()) != null) {
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nlocal");
            }
        });
                RawOrigin echo = new RawOrigin(s -> s.getInputStream().transferTo(s.getOutputStream()));
                TlsOrigin localTls = new TlsOrigin(originCa.serverContext("local-origin.test"), "tls-local", false)) {
            int https = ProgramIT.freePort();
            int pass = ProgramIT.freePort();
            int tcp = ProgramIT.freePort();
            int behindLb = ProgramIT.freePort();
            int admin = ProgramIT.freePort();
            Files.writeString(dir.resolve("sites.txt"), "www.example.com migrated\n");
            Path config = dir.resolve("predictor.yaml");
            Files.writeString(config, String.join("\n",
                    "listeners:",
                    "  - { name: https, bind: 127.0.0.1:" + https + ", tls: { certificates: certs/ } }",
                    "  - { name: pass, bind: 127.0.0.1:" + pass + ", tls: { passthrough: true } }",
                    "  - { name: db, bind: 127.0.0.1:" + tcp + ", tcp: { target: db } }",
                    "  - { name: lb, bind: 127.0.0.1:" + behindLb + ", proxy_protocol: true }",
                    "admin: { bind: 127.0.0.1:" + admin + " }",
                    "pools:",
                    "  local: { servers: [" + hostPort(local.address()) + "], tls_servers: ["
                            + hostPort(localTls.address()) + "] }",
                    "  legacy: { servers: [" + hostPort(local.address()) + "] }",
                    "  db: { servers: [" + hostPort(echo.address()) + "] }",
                    "routing: { sites_file: sites.txt }",
                    "state: { path: state }",
                    ""));
            Path out = dir.resolve("program.log");
            ProgramIT runner = new ProgramIT();
            Process p = runner.start(out, "--config", config.toString());
            try {
                runner.awaitReady(p, admin, out);
                assertThat(Files.readString(out)).contains("\"event\":\"certificates_loaded\"");

                try (SSLSocket s = TlsClient.connect(certs.clientContext(), local(https), "www.example.com", "http/1.1");
                        RawClient c = new RawClient(s)) {
                    assertThat(c.get("www.example.com", "/").bodyText()).isEqualTo("local");
                }

                certs.writePair(certDir, "added", "new.example.org");
                new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                String served = "";
                while (!served.equals("new.example.org") && System.nanoTime() < deadline) {
                    try (SSLSocket s = TlsClient.connect(certs.clientContext(), local(https), "new.example.org")) {
                        served = TlsClient.subjectName(s);
                    }
                    Thread.sleep(50);
                }
                assertThat(served).as("a certificate added while running").isEqualTo("new.example.org");

                try (SSLSocket s = TlsClient.connect(originCa.clientContext(), local(pass), "www.example.com");
                        RawClient c = new RawClient(s)) {
                    assertThat(TlsClient.subjectName(s)).isEqualTo("local-origin.test");
                    assertThat(c.get("www.example.com", "/").bodyText()).isEqualTo("tls-local");
                }

                try (Socket s = new Socket()) {
                    s.connect(local(tcp), 2000);
                    s.setSoTimeout(5000);
                    s.getOutputStream().write("ping over the tunnel".getBytes(StandardCharsets.US_ASCII));
                    InputStream in = s.getInputStream();
                    assertThat(new String(in.readNBytes(20), StandardCharsets.US_ASCII)).isEqualTo("ping over the tunnel");
                }

                try (RawClient c = new RawClient(local(behindLb))) {
                    c.send("PROXY TCP4 203.0.113.9 192.0.2.1 40000 80\r\n");
                    assertThat(c.get("www.example.com", "/").status()).isEqualTo(200);
                }
                Thread.sleep(300); // the access log is written by its own thread
                assertThat(Files.readString(out)).contains("\"client\":\"203.0.113.9\"");
            } finally {
                p.destroy();
                boolean exited = p.waitFor(30, TimeUnit.SECONDS);
                if (!exited) {
                    p.destroyForcibly();
                }
                assertThat(exited).as(Files.readString(out)).isTrue();
            }
            assertThat(p.exitValue()).as(Files.readString(out)).isZero();
        }
    }

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static String hostPort(InetSocketAddress a) {
        return "127.0.0.1:" + a.getPort();
    }
}

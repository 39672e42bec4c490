package io.predictor.admin.metrics;

import io.predictor.admin.ControlPlane;
import io.predictor.admin.ProxyDataPlane;
import io.predictor.admin.jvm.HeapGuard;
import io.predictor.admin.log.AccessLog;
import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.testing.TestConfigs;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.server.ExchangeListener;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The program's metrics wiring over a real data plane and control plane, as {@code Program} does
 * it: a local and a legacy origin (raw sockets), a {@link TestProxy} whose exchange listener is
 * the access log and the request meters, and the control plane's admin API serving
 * {@code /metrics}.
 *
 * <p>Sites: {@code new.example.com} migrated, {@code old.example.com} legacy,
 * {@code copy.example.com} maintenance, {@code cut.example.com} legacy (for a hold test); the
 * default route is legacy. The local origin answers 200 ("local"), or 404 for {@code /missing};
 * the legacy origin answers 200 ("legacy") and closes each connection, so that once it is
 * {@link #stopLegacy() stopped} every legacy request meets a closed port.
 */
final class MetricsHarness implements AutoCloseable {

    static final String TOKEN = "metrics-test-token-0123456789abcdef";

    final RawOrigin local;
    RawOrigin legacy;
    final Metrics metrics;
    final AccessLog accessLog;
    final TestProxy proxy;
    final ControlPlane plane;
    final HeapGuard heapGuard;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    MetricsHarness(Path dir) throws Exception {
        local = new RawOrigin(s -> {
            while (true) {
                String head = RawOrigin.readHead(s.getInputStream());
                if (head == null) {
                    return;
                }
                if (head.startsWith("GET /missing")) {
                    RawOrigin.write(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nmissing");
                } else {
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nlocal");
                }
            }
        });
        legacy = new RawOrigin(s -> {
            if (RawOrigin.readHead(s.getInputStream()) != null) {
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nlegacy");
            }
        });
        SiteTable.Builder b = new SiteTable.Builder(4, 256, 0, 0);
        b.add("new.example.com", SiteState.MIGRATED, "filer-1");
        b.add("old.example.com", SiteState.LEGACY, "filer-1");
        b.add("copy.example.com", SiteState.MAINTENANCE, "filer-2");
        b.add("cut.example.com", SiteState.LEGACY, "filer-3");
        SiteTable base = b.build();
        Path sites = dir.resolve("sites.txt");
        Files.writeString(sites, "new.example.com migrated filer-1\nold.example.com legacy filer-1\n"
                + "copy.example.com maintenance filer-2\ncut.example.com legacy filer-3\n");
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "ops " + TOKEN + "\n");
        JsonLinesLog quiet = new JsonLinesLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC());

        metrics = Metrics.forProcess();
        accessLog = new AccessLog(OutputStream.nullOutputStream(), quiet);
        proxy = new TestProxy(base, local.address(), legacy.address(), TestProxy.settings(),
                ExchangeListener.all(accessLog, metrics.requests()));
        // a terminating TLS listener too, for the certificate store's meters
        Path certificates = io.predictor.core.testing.TestCertificates.newDirectory("metrics");
        new io.predictor.core.testing.TestCertificates("metrics test CA").writePair(certificates, "default",
                "new.example.com");
        proxy.server().bindTls(new io.predictor.core.server.ListenerSettings("https",
                        new java.net.InetSocketAddress("127.0.0.1", 0), addr -> false), proxy.router(),
                ExchangeListener.all(accessLog, metrics.requests()),
                io.predictor.core.testing.TestCertificates.quietStore(certificates));
        metrics.bindRouting(proxy.router()).bindAccessLog(accessLog).bindDataPlane(proxy.server());
        plane = ControlPlane.start(TestConfigs.controlPlane("127.0.0.1", tokens, sites, dir.resolve("state")),
                proxy.router(), base, () -> true,
                new ControlPlane.Options(quiet, quiet, Clock.systemUTC(), 1000, new ProxyDataPlane(proxy.server()))
                        .withMetrics(metrics));
        ControlPlane started = plane;
        metrics.bindStateStore(() -> started.storeStatus().available());
        heapGuard = HeapGuard.start(proxy.server()::closeIdleConnections, proxy.server()::refuseHoldsUntil, started::readingSitesFile, quiet);
        metrics.bindHeapGuard(heapGuard);
    }

    /** Closes the legacy origin's port: from now on a legacy request is refused (502 connect_refused). */
    void stopLegacy() throws IOException {
        legacy.close();
    }

    int adminPort() {
        return plane.adminPort();
    }

    /** {@code GET /metrics} on the admin listener, as Prometheus would. */
    HttpResponse<String> scrapeResponse() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    PrometheusText scrape() throws Exception {
        HttpResponse<String> r = scrapeResponse();
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return new PrometheusText(r.body());
    }

    /** An admin call with the token; {@code body} null for none. */
    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN);
        rb.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        try {
            heapGuard.close();
            plane.close();
        } finally {
            proxy.close();
            accessLog.close();
            metrics.close();
            local.close();
            legacy.close();
        }
    }
}

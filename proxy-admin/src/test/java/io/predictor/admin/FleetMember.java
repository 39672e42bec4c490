package io.predictor.admin;

import io.predictor.admin.log.EventLog;
import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.admin.testing.TestConfigs;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.routing.SitesFileParser;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.TestProxy;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * One proxy of a test fleet: its own data plane ({@link TestProxy}, its own Router), its own
 * control plane on a free admin port with {@code state.store: etcd}, its own state directory.
 */
final class FleetMember implements AutoCloseable {

    static final String TOKEN = "fleet-test-token-0123456789abcdef";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final String name;
    final TestProxy proxy;
    final ControlPlane plane;
    final RecordingLog log;

    private FleetMember(String name, TestProxy proxy, ControlPlane plane, RecordingLog log) {
        this.name = name;
        this.proxy = proxy;
        this.plane = plane;
        this.log = log;
    }

    /** Starts a member over the sites file {@code sites}; {@code dir} holds its state. Warnings go to stdout too. */
    static FleetMember start(String name, Path dir, Path sites, Path tokens, String endpoint, String prefix,
            InetSocketAddress local, InetSocketAddress legacy) throws Exception {
        SiteTable base = SitesFileParser.parse(sites).table();
        TestProxy proxy = new TestProxy(base, local, legacy);
        RecordingLog rec = new RecordingLog();
        JsonLinesLog quiet = new JsonLinesLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC());
        EventLog both = (level, event, fields) -> {
            rec.event(level, event, fields);
            if (level != EventLog.Level.INFO) {
                System.out.println("[" + name + "] " + level + " " + event + " " + fields);
            }
        };
        try {
            ControlPlane plane = ControlPlane.start(
                    TestConfigs.fleetMember(name, tokens, sites, dir.resolve("state-" + name), endpoint, prefix),
                    proxy.router(), base, () -> true,
                    new ControlPlane.Options(quiet, both, Clock.systemUTC(), 1000, new ProxyDataPlane(proxy.server())));
            return new FleetMember(name, proxy, plane, rec);
        } catch (Exception e) {
            proxy.close();
            throw e;
        }
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.adminPort() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> put(String path, String state) throws Exception {
        return send("PUT", path, "{\"state\":\"" + state + "\"}");
    }

    HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null);
    }

    /** Which origin the data plane sends {@code host} to now: "local", "legacy", or "503". */
    String route(String host) throws Exception {
        try (RawClient c = new RawClient(proxy.address())) {
            RawClient.Response r = c.get(host, "/");
            return r.status() == 200 ? r.bodyText() : Integer.toString(r.status());
        }
    }

    long revision() {
        return proxy.router().current().revision();
    }

    boolean storeAvailable() {
        return plane.storeStatus().available();
    }

    @Override
    public void close() throws Exception {
        try {
            plane.close();
        } finally {
            proxy.close();
        }
    }
}

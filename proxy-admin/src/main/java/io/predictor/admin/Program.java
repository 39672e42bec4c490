package io.predictor.admin;

import io.predictor.admin.config.Config;
import io.predictor.admin.config.ConfigException;
import io.predictor.admin.config.ConfigLoader;
import io.predictor.admin.demo.DemoOrigins;
import io.predictor.admin.jvm.HeapGuard;
import io.predictor.admin.jvm.OpenFiles;
import io.predictor.admin.log.AccessLog;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.metrics.Metrics;
import io.predictor.admin.state.TableImages;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SitesFileParser;
import io.predictor.core.server.ExchangeListener;
import io.predictor.core.server.ProxyServer;
import io.predictor.core.server.Transport;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running program: loads the config and the sites file, starts the data plane, the control
 * plane and (with {@code --demo}) the demo origins, then serves until SIGTERM, which drains and
 * exits 0. The wiring of the whole product is here and nowhere else.
 */
final class Program {

    /**
     * {@code -Dpredictor.journal.segmentRecords=N}: journal records per segment before a
     * compaction (default 10,000). A tuning knob, also used by the crash test to compact often.
     */
    static final String SEGMENT_RECORDS_PROPERTY = "predictor.journal.segmentRecords";

    private Program() {
    }

    static int run(CommandLine cli) {
        // first of all: a signal during the start acts once the program serves, instead of the
        // JVM's handlers ending the process
        SignalHandlers signals = SignalHandlers.install();
        Config config;
        try {
            config = ConfigLoader.load(cli.config());
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println(p));
            return 1;
        }
        // the table from its image when that is of the sites file as it is now, else parsed
        TableImages images = new TableImages(config.routing().sitesFile(), config.state().path());
        TableImages.Start start;
        try {
            start = images.load();
        } catch (IOException e) {
            System.err.println(config.routing().sitesFile() + ":0: cannot read the sites file: " + e.getMessage());
            return 1;
        }
        SitesFileParser.Result sites = start.sites();
        if (!sites.ok()) {
            sites.problems().forEach(p -> System.err.println(p));
            if (sites.problemCount() > sites.problems().size()) {
                System.err.println("… and " + (sites.problemCount() - sites.problems().size()) + " more problems");
            }
            return 1;
        }
        JsonLinesLog log = JsonLinesLog.stdout();
        try {
            return serve(cli, config, start, images, log, signals);
        } catch (Exception e) {
            log.event(EventLog.Level.ERROR, "start_failed", Map.of("error", String.valueOf(e.getMessage()),
                    "exception", e.getClass().getName()));
            return 1;
        }
    }

    private static void info(EventLog log, String event, Object... fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            m.put((String) fields[i], fields[i + 1]);
        }
        log.event(EventLog.Level.INFO, event, m);
    }

    private static int serve(CommandLine cli, Config config, TableImages.Start start, TableImages images,
            JsonLinesLog log, SignalHandlers signals) throws Exception {
        long startNanos = System.nanoTime();
        SitesFileParser.Result sites = start.sites();
        if (start.imageProblem() != null) {
            log.event(EventLog.Level.WARN, "table_image_unreadable", Map.of("error", start.imageProblem(),
                    "detail", "the sites file was parsed instead, and a new image is written"));
        }
        images.removeInterruptedWrite(log);
        DemoOrigins demo = null;
        if (cli.demo()) {
            demo = new DemoOrigins();
            demo.start("local", DataPlaneSettings.address(config.pools().get("local").servers().get(0)));
            demo.start("legacy", DataPlaneSettings.address(config.pools().get("legacy").servers().get(0)));
        }
        // Netty logs through java.util.logging, whose formatter reads the default time zone the
        // first time it logs; with every descriptor in use that read fails (tzdb.dat cannot be
        // opened) and the error ends the event loop that was logging. Read it now, while it can be.
        ZoneId.systemDefault();
        SiteState defaultState = SiteState.parse(config.routing().defaultState());
        Router router = new Router(RoutingSnapshot.of(sites.table(), 0, defaultState));
        int maxConnections = maxConnections(config, log);
        ProxyServer server = new ProxyServer(DataPlaneSettings.proxy(config, maxConnections),
                DataPlaneSettings.pool(config.pools().get("local")), DataPlaneSettings.pool(config.pools().get("legacy")));
        server.onHealthChange((pool, origin, up) -> log.event(up ? EventLog.Level.INFO : EventLog.Level.WARN,
                up ? "server_up" : "server_down", Map.of("pool", pool, "server", origin)));
        // System.out as the lock: the event log writes its lines holding it, so the two never interleave
        AccessLog accessLog = new AccessLog(new FileOutputStream(FileDescriptor.out), System.out, log);
        Metrics metrics = Metrics.forProcess().bindRouting(router).bindAccessLog(accessLog);
        AtomicBoolean ready = new AtomicBoolean();
        ControlPlane.Options options = ControlPlane.Options.logTo(log).withDataPlane(new ProxyDataPlane(server))
                .withMetrics(metrics).withTableImages(images);
        Integer segment = Integer.getInteger(SEGMENT_RECORDS_PROPERTY);
        if (segment != null) {
            options = options.withJournalSegmentRecords(segment);
        }
        ControlPlane control = ControlPlane.start(config, router, sites.table(), ready::get, options);
        ExchangeListener exchanges = config.runtime().accessLog()
                ? ExchangeListener.all(accessLog, metrics.requests()) : metrics.requests();
        for (Config.Listener l : config.listeners()) {
            InetSocketAddress a = bind(server, config, l, router, exchanges, log);
            info(log, "listening", "listener", l.name(), "address", a.getHostString() + ":" + a.getPort(),
                    "kind", kind(l), "proxy_protocol", l.proxyProtocol());
        }
        metrics.bindDataPlane(server).bindStateStore(() -> control.storeStatus().available());
        // the closing completes off the event loops: the guard logs when it completes, and an event
        // loop must not wait for standard output (its lock is held while the access log writes)
        HeapGuard heapGuard = HeapGuard.start(() -> server.closeIdleConnections().thenApplyAsync(n -> n),
                server::refuseHoldsUntil, control::readingSitesFile, log);
        if (heapGuard != null) {
            metrics.bindHeapGuard(heapGuard);
        }
        ready.set(true);
        // auto prefers io_uring (it measured less CPU a request); say why it is not in use here
        String fallback = config.runtime().transport().equals("auto") ? Transport.autoFallback() : null;
        if (fallback != null) {
            info(log, "transport_fallback", "transport", server.transportName(), "reason", fallback);
        }
        info(log, "started", "version", Version.current(), "transport", server.transportName(),
                "allocator", server.allocatorName(),
                "sites", sites.table().size(), "table_from", start.from(), "table_ms", start.millis(),
                "table_image", start.fromImage() ? "used" : start.imageMiss(),
                "revision", router.current().revision(),
                "admin", config.admin().bind().toString(),
                "start_ms", (System.nanoTime() - startNanos) / 1_000_000);
        if (cli.demo()) {
            printDemoHelp(config);
        }

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        DemoOrigins demoOrigins = demo;
        Runnable stop = () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            try {
                stopServing(log, ready, heapGuard, server, control, accessLog, demoOrigins, metrics);
            } finally {
                stopped.countDown(); // whatever failed: a stop that threw would hang the process, lock held
            }
        };
        signals.serving(stop, () -> {
            control.reload();
            server.reloadCertificates();
        });
        stopped.await();
        return 0;
    }

    /** SIGTERM's work once serving: drain, then close everything, in the order the parts depend on each other. */
    private static void stopServing(JsonLinesLog log, AtomicBoolean ready, HeapGuard heapGuard, ProxyServer server,
            ControlPlane control, AccessLog accessLog, DemoOrigins demoOrigins, Metrics metrics) {
        ready.set(false);
        if (heapGuard != null) {
            heapGuard.close();
        }
        info(log, "draining", "open_connections", server.openConnections());
        try {
            boolean clean = server.drain();
            info(log, "drained", "clean", clean);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        try {
            control.close();
        } catch (IOException e) {
            log.event(EventLog.Level.ERROR, "state_store_close_failed", Map.of("error", e.toString()));
        }
        try {
            accessLog.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (demoOrigins != null) {
            demoOrigins.close();
        }
        metrics.close();
        info(log, "stopped");
    }

    /**
     * {@code limits.max_connections}, lowered to what the open-files limit leaves room for
     * ({@link OpenFiles}), with a warning saying so and what to raise.
     */
    private static int maxConnections(Config config, JsonLinesLog log) {
        int configured = config.limits().maxConnections();
        long openFiles = OpenFiles.limit();
        int effective = OpenFiles.maxConnections(configured, openFiles);
        if (effective < configured) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("configured", configured);
            fields.put("max_connections", effective);
            fields.put("open_files_limit", openFiles);
            fields.put("hint", "a connection may need two descriptors (client and origin): raise the open-files limit to "
                    + OpenFiles.limitFor(configured) + " (ulimit -n; LimitNOFILE= in a systemd unit), or lower"
                    + " limits.max_connections to " + effective + " to silence this");
            log.event(EventLog.Level.WARN, "max_connections_lowered", fields);
        }
        return effective;
    }

    /** Binds one listener by its kind: plain HTTP, TLS (terminated, by SNI), TLS passthrough, or TCP relay. */
    private static InetSocketAddress bind(ProxyServer server, Config config, Config.Listener l, Router router,
            ExchangeListener exchanges, JsonLinesLog log) throws IOException, InterruptedException {
        io.predictor.core.server.ListenerSettings settings = DataPlaneSettings.listener(l);
        if (l.tcp() != null) {
            return server.bindTcp(settings, DataPlaneSettings.pool(config.pools().get(l.tcp().target())));
        }
        if (l.tls() == null) {
            return server.bindHttp(settings, router, exchanges);
        }
        if (l.tls().passthrough()) {
            for (String pool : new String[] {"local", "legacy"}) {
                if (config.pools().get(pool).tlsServers().isEmpty()) {
                    log.event(EventLog.Level.WARN, "passthrough_without_tls_servers", Map.of("listener", l.name(),
                            "pool", pool, "effect", "connections routed to this pool get a TLS alert"));
                }
            }
            return server.bindPassthrough(settings, router);
        }
        io.predictor.core.tls.CertificateStore store = io.predictor.core.tls.CertificateStore.load(
                l.tls().certificates(), l.tls().contextCache(), new io.predictor.core.tls.CertificateStore.Listener() {
                    @Override
                    public void loaded(java.nio.file.Path directory,
                            java.util.List<io.predictor.core.tls.ServerCertificate> certificates, String defaultName) {
                        info(log, "certificates_loaded", "listener", l.name(), "directory", directory.toString(),
                                "certificates", certificates.size(), "default", defaultName,
                                "context_cache", l.tls().contextCache(),
                                "engine", io.predictor.core.tls.TlsContexts.engineName());
                    }

                    @Override
                    public void problem(java.nio.file.Path file, String message) {
                        log.event(EventLog.Level.WARN, "certificate_problem", Map.of("listener", l.name(),
                                "file", file.toString(), "problem", message));
                    }
                });
        store.watch();
        return server.bindTls(settings, router, exchanges, store);
    }

    private static String kind(Config.Listener l) {
        if (l.tcp() != null) {
            return "tcp";
        }
        if (l.tls() == null) {
            return "http";
        }
        return l.tls().passthrough() ? "tls_passthrough" : "tls";
    }

    private static void printDemoHelp(Config config) {
        String proxy = config.listeners().get(0).bind().toString().replace("0.0.0.0", "127.0.0.1");
        String admin = config.admin().bind().toString();
        String token = demoToken(config);
        // on standard error: standard output carries the JSON log lines only (SPEC §2)
        java.io.PrintStream out = System.err;
        out.println();
        out.println("Predictor demo is running. Try:");
        out.println("  curl -s http://" + proxy + "/ -H 'Host: www.example.com'      # migrated    -> local");
        out.println("  curl -s http://" + proxy + "/ -H 'Host: www.example.org'      # legacy      -> legacy");
        out.println("  curl -si http://" + proxy + "/ -H 'Host: blog.example.com'    # maintenance -> 503");
        out.println("  curl -s http://" + proxy + "/ -H 'Host: unknown.example'      # not listed  -> default (legacy)");
        out.println("  curl -s -m 3 http://" + proxy + "/ -H 'Host: api.example.org'  # hold        -> waits for the next state"
                + " (curl gives up after 3 s; the proxy answers 503 after timeouts.hold)");
        out.println("Cut shop.example.org over (through maintenance, as the state machine requires):");
        out.println("  curl -s -X PUT http://" + admin + "/api/v1/sites/shop.example.org -H 'Authorization: Bearer "
                + token + "' -d '{\"state\":\"maintenance\"}'");
        out.println("  curl -s -X PUT http://" + admin + "/api/v1/sites/shop.example.org -H 'Authorization: Bearer "
                + token + "' -d '{\"state\":\"migrated\"}'");
        out.println("  curl -s http://" + proxy + "/ -H 'Host: shop.example.org'     # now -> local");
        out.println("  curl -s http://" + admin + "/api/v1/status");
        out.println("  curl -s http://" + admin + "/metrics | grep ^predictor_requests_total   # Prometheus");
        out.println();
    }

    /** The demo's token, read from the tokens file only to print the demo's example commands. */
    private static String demoToken(Config config) {
        try {
            if (config.admin().tokensFile() != null) {
                for (String line : Files.readAllLines(config.admin().tokensFile())) {
                    String t = line.strip();
                    if (!t.isEmpty() && !t.startsWith("#")) {
                        String[] parts = t.split("\\s+");
                        return parts[parts.length - 1];
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("predictor: cannot read the demo token from " + config.admin().tokensFile() + ": " + e);
        }
        return "TOKEN";
    }
}

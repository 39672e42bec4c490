package io.predictor.admin;

import io.predictor.admin.config.Config;
import io.predictor.admin.config.ConfigException;
import io.predictor.admin.config.ConfigLoader;
import io.predictor.admin.demo.DemoOrigins;
import io.predictor.admin.log.AccessLog;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.log.JsonLinesLog;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SitesFileParser;
import io.predictor.core.server.ProxyServer;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

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
        Config config;
        try {
            config = ConfigLoader.load(cli.config());
        } catch (ConfigException e) {
            e.problems().forEach(p -> System.err.println(p));
            return 1;
        }
        SitesFileParser.Result sites;
        try {
            sites = SitesFileParser.parse(config.routing().sitesFile());
        } catch (IOException e) {
            System.err.println(config.routing().sitesFile() + ":0: cannot read the sites file: " + e.getMessage());
            return 1;
        }
        if (!sites.ok()) {
            sites.problems().forEach(p -> System.err.println(p));
            if (sites.problemCount() > sites.problems().size()) {
                System.err.println("… and " + (sites.problemCount() - sites.problems().size()) + " more problems");
            }
            return 1;
        }
        for (Config.Listener l : config.listeners()) {
            if (l.tls() != null || l.tcp() != null || l.proxyProtocol()) {
                System.err.println(config.file() + ": listener " + l.name()
                        + ": TLS, PROXY protocol and TCP relay listeners are not available in this version yet");
                return 1;
            }
        }
        JsonLinesLog log = JsonLinesLog.stdout();
        try {
            return serve(cli, config, sites, log);
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

    private static int serve(CommandLine cli, Config config, SitesFileParser.Result sites, JsonLinesLog log)
            throws Exception {
        long startNanos = System.nanoTime();
        DemoOrigins demo = null;
        if (cli.demo()) {
            demo = new DemoOrigins();
            demo.start("local", DataPlaneSettings.address(config.pools().get("local").servers().get(0)));
            demo.start("legacy", DataPlaneSettings.address(config.pools().get("legacy").servers().get(0)));
        }
        SiteState defaultState = SiteState.parse(config.routing().defaultState());
        Router router = new Router(RoutingSnapshot.of(sites.table(), 0, defaultState));
        ProxyServer server = new ProxyServer(DataPlaneSettings.proxy(config),
                DataPlaneSettings.pool(config.pools().get("local")), DataPlaneSettings.pool(config.pools().get("legacy")));
        server.onHealthChange((pool, origin, up) -> log.event(up ? EventLog.Level.INFO : EventLog.Level.WARN,
                up ? "server_up" : "server_down", Map.of("pool", pool, "server", origin)));
        AccessLog accessLog = new AccessLog(new FileOutputStream(FileDescriptor.out), log);
        AtomicBoolean ready = new AtomicBoolean();
        ControlPlane.Options options = ControlPlane.Options.logTo(log).withDataPlane(new ProxyDataPlane(server));
        Integer segment = Integer.getInteger(SEGMENT_RECORDS_PROPERTY);
        if (segment != null) {
            options = options.withJournalSegmentRecords(segment);
        }
        ControlPlane control = ControlPlane.start(config, router, sites.table(), ready::get, options);
        for (Config.Listener l : config.listeners()) {
            InetSocketAddress a = server.bindHttp(DataPlaneSettings.listener(l), router, accessLog);
            info(log, "listening", "listener", l.name(), "address", a.getHostString() + ":" + a.getPort());
        }
        ready.set(true);
        info(log, "started", "version", Version.current(), "transport", server.transportName(),
                "sites", sites.table().size(), "revision", router.current().revision(),
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
            ready.set(false);
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
            info(log, "stopped");
            stopped.countDown();
        };
        Signal.handle(new Signal("TERM"), s -> new Thread(stop, "predictor-drain").start());
        Signal.handle(new Signal("INT"), s -> new Thread(stop, "predictor-drain").start());
        Signal.handle(new Signal("HUP"), s -> new Thread(control::reload, "predictor-reload").start());
        stopped.await();
        return 0;
    }

    private static void printDemoHelp(Config config) {
        String proxy = config.listeners().get(0).bind().toString().replace("0.0.0.0", "127.0.0.1");
        String admin = config.admin().bind().toString();
        String token = demoToken(config);
        System.out.println();
        System.out.println("Predictor demo is running. Try:");
        System.out.println("  curl -s http://" + proxy + "/ -H 'Host: www.example.com'      # migrated    -> local");
        System.out.println("  curl -s http://" + proxy + "/ -H 'Host: www.example.org'      # legacy      -> legacy");
        System.out.println("  curl -si http://" + proxy + "/ -H 'Host: blog.example.com'    # maintenance -> 503");
        System.out.println("  curl -s http://" + proxy + "/ -H 'Host: unknown.example'      # not listed  -> default (legacy)");
        System.out.println("Cut shop.example.org over (through maintenance, as the state machine requires):");
        System.out.println("  curl -s -X PUT http://" + admin + "/api/v1/sites/shop.example.org -H 'Authorization: Bearer "
                + token + "' -d '{\"state\":\"maintenance\"}'");
        System.out.println("  curl -s -X PUT http://" + admin + "/api/v1/sites/shop.example.org -H 'Authorization: Bearer "
                + token + "' -d '{\"state\":\"migrated\"}'");
        System.out.println("  curl -s http://" + proxy + "/ -H 'Host: shop.example.org'     # now -> local");
        System.out.println("  curl -s http://" + admin + "/api/v1/status");
        System.out.println();
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

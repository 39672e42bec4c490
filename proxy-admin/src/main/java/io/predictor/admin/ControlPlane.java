package io.predictor.admin;

import io.predictor.admin.api.AdminOptions;
import io.predictor.admin.api.AdminServer;
import io.predictor.admin.api.AdminTokens;
import io.predictor.admin.api.TokenFile;
import io.predictor.admin.config.Config;
import io.predictor.admin.log.AuditLog;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.metrics.Metrics;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.Preconditions;
import io.predictor.admin.service.ReloadThread;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.service.DrainReports;
import io.predictor.admin.state.ChangeRecord;
import io.predictor.admin.state.EtcdStateStore;
import io.predictor.admin.state.FileStateStore;
import io.predictor.admin.state.MemberReport;
import io.predictor.admin.state.StateStore;
import io.predictor.admin.state.StoreStatus;
import io.predictor.admin.state.TableImages;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import io.predictor.admin.service.DataPlane;

/**
 * The control plane, wired: the state store recovered over the sites file, the single writer
 * that publishes to the data plane's {@link Router}, and the admin API listener. The program
 * calls {@link #start} after loading the config and the sites file and before binding the
 * data-plane listeners (so that no request is routed without the runtime changes), calls
 * {@link #reload()} on SIGHUP and {@link #close()} on the way out.
 *
 * <p>With {@code state.store: etcd} the proxy is a member of a fleet: it boots from its local
 * copy of the last applied state, waits up to {@link #FLEET_SYNC_WAIT} to catch up with etcd
 * (and serves the local copy if etcd does not answer), then follows the fleet's changes.
 */
public final class ControlPlane implements AutoCloseable {

    /**
     * What the program does not take from the config file.
     *
     * @param journalSegmentRecords journal records per segment before compaction
     * @param dataPlane             in-flight exchanges and traffic (the drain barrier's counts)
     * @param metrics               where changes, reloads, store errors and barriers are counted, and
     *                              what {@code GET /metrics} exposes
     * @param tableImages           where the base table's image is written after a start that
     *                              parsed the sites file and after each reload; null: nowhere
     */
    public record Options(AuditLog audit, EventLog events, Clock clock, int journalSegmentRecords,
            DataPlane dataPlane, Metrics metrics, TableImages tableImages) {
        public Options {
            Objects.requireNonNull(audit);
            Objects.requireNonNull(events);
            Objects.requireNonNull(clock);
            Objects.requireNonNull(dataPlane);
            Objects.requireNonNull(metrics);
        }

        /** With a registry of the control plane's own counters only. */
        public Options(AuditLog audit, EventLog events, Clock clock, int journalSegmentRecords, DataPlane dataPlane) {
            this(audit, events, clock, journalSegmentRecords, dataPlane, Metrics.create(), null);
        }

        /** JSON lines on stdout, wall-clock time, default segment size, no in-flight counts yet. */
        public static Options defaults() {
            return logTo(JsonLinesLog.stdout());
        }

        public static Options logTo(JsonLinesLog log) {
            return new Options(log, log, Clock.systemUTC(), FileStateStore.DEFAULT_SEGMENT_RECORDS, DataPlane.NONE);
        }

        /** The same options with another journal segment size. */
        public Options withJournalSegmentRecords(int records) {
            return new Options(audit, events, clock, records, dataPlane, metrics, tableImages);
        }

        /** The same options with the running data plane. */
        public Options withDataPlane(DataPlane dp) {
            return new Options(audit, events, clock, journalSegmentRecords, dp, metrics, tableImages);
        }

        /** The same options counting into (and exposing) {@code m}. */
        public Options withMetrics(Metrics m) {
            return new Options(audit, events, clock, journalSegmentRecords, dataPlane, m, tableImages);
        }

        /** The same options writing the base table's images with {@code images}. */
        public Options withTableImages(TableImages images) {
            return new Options(audit, events, clock, journalSegmentRecords, dataPlane, metrics, images);
        }
    }

    /** How long a fleet member waits at start to catch up with etcd before serving its local copy. */
    public static final Duration FLEET_SYNC_WAIT = Duration.ofSeconds(5);

    private final SiteService sites;
    private final StateStore store;
    private final DrainReports drains;
    private final AdminTokens tokens;
    private final AdminServer server;
    /** {@code admin.metrics_bind}'s listener, or null. */
    private final AdminServer metricsServer;
    private final EventLog events;
    private final ReloadThread reloadThread;

    private ControlPlane(SiteService sites, StateStore store, DrainReports drains, AdminTokens tokens,
            AdminServer server, AdminServer metricsServer, EventLog events, ReloadThread reloadThread) {
        this.reloadThread = reloadThread;
        this.sites = sites;
        this.store = store;
        this.drains = drains;
        this.tokens = tokens;
        this.server = server;
        this.metricsServer = metricsServer;
        this.events = events;
    }

    /** {@link #start(Config, Router, SiteTable, BooleanSupplier, Options)} with {@link Options#defaults()}. */
    public static ControlPlane start(Config config, Router router, SiteTable base, BooleanSupplier ready)
            throws IOException, InterruptedException {
        return start(config, router, base, ready, Options.defaults());
    }

    /**
     * Opens the state store, re-applies every journalled change over {@code base} in revision
     * order, publishes the result to {@code router}, and starts the admin listener.
     *
     * @param base  the sites file as loaded by the program
     * @param ready what {@code /readyz} answers (listeners bound and table loaded; false while draining)
     * @throws IllegalArgumentException for a config the control plane cannot run with (non-loopback
     *         admin bind without a tokens file, unknown default state, etcd store)
     * @throws IOException when the tokens file or the state directory cannot be used, or the port is taken
     */
    public static ControlPlane start(Config config, Router router, SiteTable base, BooleanSupplier ready,
            Options options) throws IOException, InterruptedException {
        Config.HostPort bind = config.admin().bind();
        InetSocketAddress address = resolve("admin.bind", bind);
        AdminTokens tokens = null;
        if (config.admin().tokensFile() == null) {
            if (!address.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("admin.bind " + bind + " is not a loopback address:"
                        + " admin.tokens_file is required, or bind the admin API to 127.0.0.1");
            }
            options.events().event(EventLog.Level.WARN, "admin_read_only", Map.of("bind", bind.toString(),
                    "detail", "no admin.tokens_file: every mutating call is refused (401); add one to make changes"));
        } else {
            try {
                tokens = AdminTokens.load(config.admin().tokensFile(), options.events());
            } catch (TokenFile.InvalidTokenFileException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        SiteState defaultState = SiteState.parse(config.routing().defaultState());
        if (defaultState == null) {
            throw new IllegalArgumentException("routing.default: unknown state " + config.routing().defaultState());
        }
        StateStore store = openStore(config, options);
        DrainReports drains = null;
        ReloadThread reloadThread = null;
        try {
            StateStore.Recovered recovered = store.load();
            Consumer<ChangeRecord> onApplied = r -> {
            };
            if (store.fleet().isPresent()) {
                DrainReports reports = new DrainReports(options.dataPlane(), store.fleet().get()::reportChanged,
                        router::current);
                reports.recovered(recovered.revision());
                drains = reports;
                onApplied = reports::applied;
            }
            SiteService sites = new SiteService(base, config.routing().sitesFile(), defaultState, router, store,
                    options.audit(), options.clock(), options.metrics().controlPlane(), onApplied);
            sites.recover(recovered);
            reloadThread = ReloadThread.start(options.events());
            sites.readReloadsOn(reloadThread);
            TableImages images = options.tableImages();
            if (images != null) {
                // on the reload thread: at the OS's background priority, and after one another
                ReloadThread writer = reloadThread;
                writer.submit("table image", () -> images.writeUnwritten(options.events()));
                sites.afterReload(parsed -> writer.submit("table image", () -> images.write(parsed, options.events())));
            }
            options.events().event(EventLog.Level.INFO, "state_recovered", Map.of(
                    "revision", recovered.revision(), "changes", recovered.changes().size(),
                    "sites", sites.snapshot().base().size(), "store", store.status().kind()));
            if (drains != null) {
                joinFleet(store, sites, drains, options.events());
            }
            AdminOptions adminOptions = new AdminOptions(tokens, ready, Version.current(), options.dataPlane(),
                    store::status, store.fleet(), config.instance() == null ? "predictor" : config.instance(),
                    options.metrics().controlPlane(), options.metrics()::scrape);
            AdminServer server = AdminServer.start(address, sites, adminOptions, options.events());
            options.events().event(EventLog.Level.INFO, "admin_listening",
                    Map.of("bind", bind.host(), "port", server.port()));
            AdminServer metricsServer = null;
            Config.HostPort metricsBind = config.admin().metricsBind();
            if (metricsBind != null) {
                try {
                    metricsServer = AdminServer.startMetrics(resolve("admin.metrics_bind", metricsBind), sites,
                            adminOptions, options.events());
                } catch (Throwable e) {
                    server.close(); // also on a BindException, which Netty throws undeclared
                    throw e;
                }
                options.events().event(EventLog.Level.INFO, "metrics_listening",
                        Map.of("bind", metricsBind.host(), "port", metricsServer.port()));
            }
            return new ControlPlane(sites, store, drains, tokens, server, metricsServer, options.events(), reloadThread);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (drains != null) {
                drains.close();
            }
            if (reloadThread != null) {
                reloadThread.close();
            }
            closeAfterFailure(store, e);
            throw e;
        }
    }

    private static InetSocketAddress resolve(String key, Config.HostPort bind) {
        InetSocketAddress address = new InetSocketAddress(bind.host(), bind.port());
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(key + " " + bind + ": cannot resolve " + bind.host());
        }
        return address;
    }

    /** Starts following the fleet and waits (bounded) for the first catch-up, so the listeners open on the fleet's state. */
    private static void joinFleet(StateStore store, SiteService sites, DrainReports drains, EventLog events)
            throws InterruptedException {
        store.start(new StateStore.LocalMember() {
            @Override
            public void applyRemote(List<ChangeRecord> changes) {
                sites.applyRemote(changes);
            }

            @Override
            public MemberReport report() {
                return drains.report();
            }

            @Override
            public void closeRequested(long revision) {
                drains.close(revision);
            }
        });
        boolean synced = store instanceof EtcdStateStore etcd && etcd.awaitFirstPass(FLEET_SYNC_WAIT);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("revision", sites.revision());
        f.put("synced", synced);
        if (!synced) {
            f.put("detail", "etcd did not answer: serving the local copy of the last applied state (fail-static);"
                    + " changes are refused until etcd is back");
        }
        events.event(synced ? EventLog.Level.INFO : EventLog.Level.WARN, "fleet_joined", f);
    }

    private static StateStore openStore(Config config, Options options) throws IOException {
        Config.State state = config.state();
        if (state.store() == Config.StoreKind.ETCD) {
            String instance = config.instance();
            if (instance == null || instance.isBlank()) {
                throw new IllegalArgumentException("instance: a fleet member needs a name (state.store: etcd)");
            }
            return EtcdStateStore.open(state.etcd().endpoints(), state.etcd().prefix(), instance, state.path(),
                    options.journalSegmentRecords(), options.events(), options.clock());
        }
        return FileStateStore.open(state.path(), options.journalSegmentRecords(), options.events());
    }

    /** Whether a reload is reading the sites file now (its table may stand beside the one in service). */
    public boolean readingSitesFile() {
        return sites.readingSitesFile();
    }

    /** The state store's kind and availability (for a metric: {@code available} is 1 or 0). */
    public StoreStatus storeStatus() {
        return store.status();
    }

    /**
     * SIGHUP: re-reads the tokens file and the sites file (runtime changes stay on top). An
     * invalid file changes nothing; its errors are logged. Returns whether the sites file was
     * taken.
     */
    public boolean reload() {
        if (tokens != null) {
            tokens.reload();
        }
        try {
            SiteService.ReloadResult r = sites.reload(Preconditions.NONE, "signal:SIGHUP");
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("revision", r.revision());
            fields.put("sites", r.sites());
            fields.put("rebuilt", r.differences() == null);
            if (r.differences() != null) {
                fields.put("added", r.differences().added());
                fields.put("changed", r.differences().changed());
                fields.put("removed", r.differences().removed());
            }
            events.event(EventLog.Level.INFO, "sites_reloaded", fields);
            return true;
        } catch (ChangeRefusedException e) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("error", e.getMessage());
            fields.put("detail", e.details());
            events.event(EventLog.Level.WARN, "sites_reload_refused", fields);
            return false;
        } catch (IOException e) {
            events.event(EventLog.Level.ERROR, "state_store_failed", Map.of("error", e.toString()));
            return false;
        }
    }

    /** The port the admin API is bound to (the configured one, or the one picked for port 0). */
    public int adminPort() {
        return server.port();
    }

    /** The port of {@code admin.metrics_bind}'s listener, or -1 when there is none. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /** The single writer of the table, for callers in the same process (metrics, the drain barrier). */
    public SiteService sites() {
        return sites;
    }

    @Override
    public void close() throws IOException {
        try {
            if (metricsServer != null) {
                metricsServer.close();
            }
            server.close();
        } finally {
            reloadThread.close();
            try {
                if (drains != null) {
                    drains.close();
                }
            } finally {
                store.close();
            }
        }
    }

    private static void closeAfterFailure(StateStore store, Exception cause) {
        try {
            store.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}

package io.predictor.admin;

import io.predictor.admin.api.AdminOptions;
import io.predictor.admin.api.AdminServer;
import io.predictor.admin.api.AdminTokens;
import io.predictor.admin.api.TokenFile;
import io.predictor.admin.config.Config;
import io.predictor.admin.log.AuditLog;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.Preconditions;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.state.FileStateStore;
import io.predictor.admin.state.StateStore;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;

/**
 * The control plane, wired: the state store recovered over the sites file, the single writer
 * that publishes to the data plane's {@link Router}, and the admin API listener. The program
 * calls {@link #start} after loading the config and the sites file and before binding the
 * data-plane listeners (so that no request is routed without the runtime changes), calls
 * {@link #reload()} on SIGHUP and {@link #close()} on the way out.
 */
public final class ControlPlane implements AutoCloseable {

    /**
     * What the program does not take from the config file.
     *
     * @param journalSegmentRecords journal records per segment before compaction
     * @param groupInflight         in-flight requests and connections of a group's sites (the drain barrier's counts)
     */
    public record Options(AuditLog audit, EventLog events, Clock clock, int journalSegmentRecords,
            ToLongFunction<String> groupInflight) {
        public Options {
            Objects.requireNonNull(audit);
            Objects.requireNonNull(events);
            Objects.requireNonNull(clock);
            Objects.requireNonNull(groupInflight);
        }

        /** JSON lines on stdout, wall-clock time, default segment size, no in-flight counts yet. */
        public static Options defaults() {
            return logTo(JsonLinesLog.stdout());
        }

        public static Options logTo(JsonLinesLog log) {
            return new Options(log, log, Clock.systemUTC(), FileStateStore.DEFAULT_SEGMENT_RECORDS, group -> 0);
        }
    }

    private final SiteService sites;
    private final StateStore store;
    private final AdminTokens tokens;
    private final AdminServer server;
    private final EventLog events;

    private ControlPlane(SiteService sites, StateStore store, AdminTokens tokens, AdminServer server, EventLog events) {
        this.sites = sites;
        this.store = store;
        this.tokens = tokens;
        this.server = server;
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
        InetSocketAddress address = new InetSocketAddress(bind.host(), bind.port());
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("admin.bind " + bind + ": cannot resolve " + bind.host());
        }
        AdminTokens tokens = null;
        if (config.admin().tokensFile() == null) {
            if (!address.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("admin.bind " + bind + " is not a loopback address:"
                        + " admin.tokens_file is required, or bind the admin API to 127.0.0.1");
            }
            options.events().event(EventLog.Level.WARN, "admin_unauthenticated", Map.of("bind", bind.toString(),
                    "detail", "no admin.tokens_file: any local process may change the table"));
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
        StateStore store = openStore(config.state(), options);
        try {
            StateStore.Recovered recovered = store.load();
            SiteService sites = new SiteService(base, config.routing().sitesFile(), defaultState, router, store,
                    options.audit(), options.clock());
            sites.recover(recovered);
            options.events().event(EventLog.Level.INFO, "state_recovered", Map.of(
                    "revision", recovered.revision(), "changes", recovered.changes().size(),
                    "sites", sites.snapshot().base().size()));
            AdminServer server = AdminServer.start(address, sites,
                    new AdminOptions(tokens, ready, Version.current(), options.groupInflight()), options.events());
            options.events().event(EventLog.Level.INFO, "admin_listening",
                    Map.of("bind", bind.host(), "port", server.port()));
            return new ControlPlane(sites, store, tokens, server, options.events());
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeAfterFailure(store, e);
            throw e;
        }
    }

    private static StateStore openStore(Config.State state, Options options) throws IOException {
        if (state.store() != Config.StoreKind.FILE) {
            throw new IllegalArgumentException("state.store: " + state.store()
                    + " is not available in this version; use file");
        }
        return FileStateStore.open(state.path(), options.journalSegmentRecords(), options.events());
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
            events.event(EventLog.Level.INFO, "sites_reloaded", Map.of("revision", r.revision(), "sites", r.sites()));
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

    /** The single writer of the table, for callers in the same process (metrics, the drain barrier). */
    public SiteService sites() {
        return sites;
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            store.close();
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

package io.predictor.admin.metrics;

import java.util.List;

/**
 * Every meter Predictor registers itself (SPEC §7): its Micrometer name, its type, its base unit,
 * its labels and what it means — the one place names, units and tags are decided. The
 * Prometheus name follows Micrometer's Prometheus naming convention: dots become underscores,
 * the base unit is appended, counters end in {@code _total}, timers are in seconds with
 * {@code _bucket}, {@code _count}, {@code _sum} and {@code _max} series.
 *
 * <p>Label values are bounded: {@code route} is {@code local|legacy|maintenance|hold|error},
 * {@code code} a three-digit status, {@code pool} {@code local|legacy}, {@code kind} a
 * {@code Failure} kind, {@code listener} a configured listener name, {@code state} one of the
 * four site states, {@code server} a configured origin {@code host:port}. No label ever takes
 * a site's host name: millions of sites must not become millions of series.
 *
 * <p>Besides these, {@link Metrics} binds Micrometer's JVM, process and Netty binders under their
 * own names ({@code jvm_*}, {@code process_*}, {@code system_*}, {@code netty_*}); docs/metrics.md
 * lists them.
 */
public enum PredictorMeter {

    /**
     * Requests answered, by the route that took them and the exact status code sent to the client
     * ({@code error}: refused before routing, e.g. 400, 408, 431; 499: the client closed first).
     */
    REQUESTS("predictor.requests", Type.COUNTER, null, "Requests answered, by route and status code",
            Labels.ROUTE, Labels.CODE),

    /**
     * Time from the request head to the end of the response, by route; a Prometheus histogram with
     * {@link RequestMetrics#DURATION_BUCKETS}. Upgraded connections (101) are left out: a
     * WebSocket's lifetime is not a latency.
     */
    REQUEST_DURATION("predictor.request.duration", Type.TIMER, "seconds",
            "Request duration from head to end of response, by route", Labels.ROUTE),

    /** Exchanges that failed on the origin side, by pool and {@code Failure} kind. */
    UPSTREAM_ERRORS("predictor.upstream.errors", Type.COUNTER, null,
            "Upstream failures by pool and kind (connect_refused, connect_timeout, reset, bad_response, timeout,"
                    + " no_server)", Labels.POOL, Labels.KIND),

    /** Open client connections, by listener. */
    ACTIVE_CONNECTIONS("predictor.active.connections", Type.GAUGE, null, "Open client connections, by listener",
            Labels.LISTENER),

    /**
     * Exchanges in flight, by route: forwarded requests and upgraded connections under
     * {@code local}/{@code legacy}, requests parked by a cut-over under {@code hold}.
     */
    INFLIGHT_REQUESTS("predictor.inflight.requests", Type.GAUGE, null,
            "Exchanges in flight, by route (hold: parked by a cut-over)", Labels.ROUTE),

    /** Sites in the table in service, by effective state (runtime changes included). */
    SITES("predictor.sites", Type.GAUGE, null, "Sites by effective state in the table in service", Labels.STATE),

    /** The revision of the routing table in service. */
    TABLE_REVISION("predictor.table.revision", Type.GAUGE, null, "Revision of the routing table in service"),

    /** Sites file reloads (SIGHUP and {@code POST /api/v1/reload}), by result {@code ok|failed}. */
    RELOADS("predictor.reloads", Type.COUNTER, null, "Sites file reloads, by result (ok, failed)", Labels.RESULT),

    /** Acknowledged changes (durable and visible), by kind {@code site|group|reload}. */
    STATE_CHANGES("predictor.state.changes", Type.COUNTER, null,
            "Acknowledged table changes, by kind (site, group, reload)", Labels.KIND),

    /** Drain barriers ({@code ?wait=drained}), by result {@code drained|timeout|closed}. */
    DRAIN_BARRIER("predictor.drain.barrier", Type.COUNTER, null,
            "Drain barriers, by result (drained, timeout, closed)", Labels.RESULT),

    /** Changes the state store could not make durable (each was refused with a 500). */
    STATE_STORE_ERRORS("predictor.state.store.errors", Type.COUNTER, null,
            "Changes the state store could not make durable"),

    /** 1 while the state store takes changes, 0 while it is away (etcd unreachable: changes are refused). */
    STATE_STORE_AVAILABLE("predictor.state.store.available", Type.GAUGE, null,
            "1 if the state store takes changes, 0 while it is away"),

    /**
     * TLS contexts built and held, by terminating TLS listener: at most its {@code tls.context_cache};
     * each holds ~10–20 KB of native memory.
     */
    TLS_CONTEXTS("predictor.tls.contexts", Type.GAUGE, null,
            "TLS contexts built and held, by listener (at most tls.context_cache)", Labels.LISTENER),

    /**
     * TLS contexts built, by listener: one a certificate after a load, more when the cache is too
     * small for the certificates in use (each build costs ~1 ms of CPU and delays a handshake).
     */
    TLS_CONTEXT_BUILDS("predictor.tls.context.builds", Type.COUNTER, null,
            "TLS contexts built, by listener (more than the certificates in use: tls.context_cache is too small)",
            Labels.LISTENER),

    /** Access log lines dropped because the writer could not keep up (the data plane never waits). */
    ACCESS_LOG_DROPPED("predictor.access.log.dropped", Type.COUNTER, null,
            "Access log lines dropped because the log writer could not keep up"),

    /**
     * Collections of the old generation that left it at least {@code HeapGuard.THRESHOLD_PERCENT}
     * full of live data: the heap is too small for what it holds (idle connections were closed).
     */
    HEAP_PRESSURE("predictor.heap.pressure", Type.COUNTER, null,
            "Full collections that left the old generation at least 90% full (idle connections were closed)"),

    /** Idle client connections closed because the heap was nearly full ({@code HeapGuard}). */
    HEAP_CLOSED_CONNECTIONS("predictor.heap.closed.connections", Type.COUNTER, null,
            "Idle client connections closed because the heap was nearly full of live data"),

    /**
     * 1 while new requests for sites in {@code hold} are answered 503 at once instead of parked,
     * because the heap was nearly full of live data ({@code HeapGuard}); else 0.
     */
    HEAP_HOLDS_REFUSED("predictor.heap.holds.refused", Type.GAUGE, null,
            "1 while new requests for sites in hold get 503 at once because the heap is nearly full, else 0"),

    /**
     * 1 when an origin server may take requests (its active health check passes and passive
     * ejection has not taken it out), else 0; by pool and server {@code host:port}.
     */
    UPSTREAM_SERVER_UP("predictor.upstream.server.up", Type.GAUGE, null,
            "1 if the origin server may take requests (health check and passive ejection), by pool and server",
            Labels.POOL, Labels.SERVER);

    /** How the meter is exported. */
    public enum Type { COUNTER, GAUGE, TIMER }

    /** The label names. */
    public static final class Labels {
        public static final String ROUTE = "route";
        public static final String CODE = "code";
        public static final String POOL = "pool";
        public static final String KIND = "kind";
        public static final String LISTENER = "listener";
        public static final String STATE = "state";
        public static final String RESULT = "result";
        public static final String SERVER = "server";

        private Labels() {
        }
    }

    /** The {@code route} value of a request refused before it was routed. */
    public static final String ROUTE_ERROR = "error";

    private final String meterName;
    private final Type type;
    private final String baseUnit;
    private final String description;
    private final List<String> labels;

    PredictorMeter(String meterName, Type type, String baseUnit, String description, String... labels) {
        this.meterName = meterName;
        this.type = type;
        this.baseUnit = baseUnit;
        this.description = description;
        this.labels = List.of(labels);
    }

    /** The Micrometer name (dotted). */
    public String meterName() {
        return meterName;
    }

    public Type type() {
        return type;
    }

    /** The base unit, or null. */
    public String baseUnit() {
        return baseUnit;
    }

    public String description() {
        return description;
    }

    public List<String> labels() {
        return labels;
    }

    /** The name Prometheus sees (for a timer, the base of its {@code _bucket/_count/_sum/_max} series). */
    public String prometheusName() {
        String n = meterName.replace('.', '_');
        if (baseUnit != null && !n.endsWith("_" + baseUnit)) {
            n += "_" + baseUnit;
        }
        return type == Type.COUNTER ? n + "_total" : n;
    }
}

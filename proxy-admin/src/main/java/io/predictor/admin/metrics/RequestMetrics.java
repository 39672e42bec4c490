package io.predictor.admin.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.predictor.admin.metrics.PredictorMeter.Labels;
import io.predictor.core.http.Failure;
import io.predictor.core.routing.Route;
import io.predictor.core.server.ExchangeInfo;
import io.predictor.core.server.ExchangeListener;
import java.time.Duration;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The data plane's per-request meters — {@code predictor_requests_total{route,code}},
 * {@code predictor_request_duration_seconds{route}} and
 * {@code predictor_upstream_errors_total{pool,kind}} — counted in
 * {@link #completed(ExchangeInfo, long)} on the event loop that ran the exchange.
 *
 * <p>Nothing is looked up per request: timers and upstream error counters are resolved once,
 * here; request counters per (route, status) are created the first time that status is seen on
 * that route and kept in an array indexed by the status code, so the steady state is an array
 * read and a lock-free increment. No lock, no allocation, no blocking. The statuses the proxy
 * answers by itself are registered up front, at zero (see {@link #ownStatuses}), so that
 * {@code rate()} and {@code increase()} see their first occurrence.
 */
public final class RequestMetrics implements ExchangeListener {

    /** Histogram buckets for a proxy: 1 ms to 30 s (and +Inf), about ×2.5 apart. */
    public static final Duration[] DURATION_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30),
    };

    /** Status codes are three digits (the head parser takes no other); anything else counts as 0. */
    private static final int CODES = 1000;
    /** Index of the {@code error} route (refused before routing) after the {@link Route} ordinals. */
    private static final int ERROR = Route.values().length;

    private final MeterRegistry registry;
    private final String[] routeNames = new String[ERROR + 1];
    private final AtomicReferenceArray<Counter>[] requests;
    private final Timer[] durations = new Timer[ERROR + 1];
    /** [route ordinal][failure ordinal]; null where the pair is not an upstream error of a pool. */
    private final Counter[][] upstreamErrors = new Counter[Route.values().length][];

    @SuppressWarnings("unchecked")
    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.requests = new AtomicReferenceArray[ERROR + 1];
        for (Route r : Route.values()) {
            routeNames[r.ordinal()] = r.wireName();
        }
        routeNames[ERROR] = PredictorMeter.ROUTE_ERROR;
        for (int i = 0; i <= ERROR; i++) {
            requests[i] = new AtomicReferenceArray<>(CODES);
            durations[i] = Timer.builder(PredictorMeter.REQUEST_DURATION.meterName())
                    .description(PredictorMeter.REQUEST_DURATION.description())
                    .tag(Labels.ROUTE, routeNames[i])
                    .serviceLevelObjectives(DURATION_BUCKETS)
                    .register(registry);
        }
        for (int r = 0; r <= ERROR; r++) {
            for (int code : ownStatuses(r == ERROR ? null : Route.values()[r])) {
                requestCounter(r, code);
            }
        }
        for (Route r : Route.values()) {
            if (!r.isForwarded()) {
                continue;
            }
            Counter[] byKind = new Counter[Failure.values().length];
            for (Failure f : Failure.values()) {
                if (f.isUpstream()) {
                    byKind[f.ordinal()] = Counter.builder(PredictorMeter.UPSTREAM_ERRORS.meterName())
                            .description(PredictorMeter.UPSTREAM_ERRORS.description())
                            .tag(Labels.POOL, r.wireName())
                            .tag(Labels.KIND, f.kind())
                            .register(registry);
                }
            }
            upstreamErrors[r.ordinal()] = byKind;
        }
    }

    /**
     * The statuses a route answers with for sure: 200 and the proxy's own failures (upstream
     * errors, the loop guard) when forwarded; 503 for maintenance and hold; the refusals before
     * routing (400, 408, 414, 431, 501, 505) for {@code route == null}, the {@code error} route.
     */
    static SortedSet<Integer> ownStatuses(Route route) {
        SortedSet<Integer> codes = new TreeSet<>();
        if (route == null) {
            for (Failure f : Failure.values()) {
                if (!f.isUpstream() && f != Failure.LOOP) {
                    codes.add(f.status());
                }
            }
        } else if (route.isForwarded()) {
            codes.add(200);
            for (Failure f : Failure.values()) {
                if (f.isUpstream() || f == Failure.LOOP) {
                    codes.add(f.status());
                }
            }
        } else {
            codes.add(503);
        }
        return codes;
    }

    @Override
    public void started(ExchangeInfo exchange) {
        // in flight is counted from the event loops' own lists (DataPlaneMetrics), never drifts
    }

    @Override
    public void completed(ExchangeInfo e, long endNanos) {
        Route route = e.route();
        int r = route == null ? ERROR : route.ordinal();
        int status = e.status();
        requestCounter(r, status < 0 || status >= CODES ? 0 : status).increment();
        if (status != 101) {
            durations[r].record(Math.max(0, endNanos - e.startNanos()), TimeUnit.NANOSECONDS);
        }
        Failure f = e.failure();
        if (f != null && route != null) {
            Counter[] byKind = upstreamErrors[route.ordinal()];
            if (byKind != null && byKind[f.ordinal()] != null) {
                byKind[f.ordinal()].increment();
            }
        }
    }

    private Counter requestCounter(int route, int code) {
        AtomicReferenceArray<Counter> byCode = requests[route];
        Counter c = byCode.get(code);
        if (c == null) {
            // first sight of this status on this route: one registry look-up, then never again
            c = Counter.builder(PredictorMeter.REQUESTS.meterName())
                    .description(PredictorMeter.REQUESTS.description())
                    .tag(Labels.ROUTE, routeNames[route])
                    .tag(Labels.CODE, Integer.toString(code))
                    .register(registry);
            byCode.set(code, c); // two loops racing here get the same meter from the registry
        }
        return c;
    }
}

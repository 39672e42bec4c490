package io.predictor.admin.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.predictor.admin.metrics.PredictorMeter.Labels;
import io.predictor.core.routing.Route;
import io.predictor.core.server.PoolSettings;
import io.predictor.core.server.ProxyServer;
import io.predictor.core.tls.CertificateStore;
import io.predictor.core.upstream.ServerHealth;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The running data plane's gauges, read at scrape time (nothing on the request path):
 * {@code predictor_active_connections{listener}} for every listener bound when this is bound,
 * {@code predictor_inflight_requests{route}}, {@code predictor_upstream_server_up{pool,server}},
 * and Netty's pending tasks per event loop ({@code netty_eventexecutor_tasks_pending}).
 *
 * <p>In flight is counted by each event loop from its own in-flight and hold lists (the lists
 * the drain barrier reads), once per scrape for all three routes: it cannot drift, whatever kind
 * of exchange comes and goes.
 */
public final class DataPlaneMetrics implements MeterBinder {

    /** A scrape reuses an in-flight sample this young (one round over the loops serves every route). */
    static final long SAMPLE_MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How long a scrape waits for the loops to count; past it, the last sample stands. */
    static final long SAMPLE_TIMEOUT_MILLIS = 1000;

    private static final Route[] INFLIGHT_ROUTES = {Route.LOCAL, Route.LEGACY, Route.HOLD};

    private final ProxyServer server;
    private Map<Route, Integer> sample = new EnumMap<>(Route.class);
    private long sampledAt;
    private boolean sampled;

    public DataPlaneMetrics(ProxyServer server) {
        this.server = server;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String listener : server.boundAddresses().keySet()) {
            Gauge.builder(PredictorMeter.ACTIVE_CONNECTIONS.meterName(), server, s -> s.openConnections(listener))
                    .description(PredictorMeter.ACTIVE_CONNECTIONS.description())
                    .tag(Labels.LISTENER, listener)
                    .strongReference(true)
                    .register(registry);
        }
        for (Route r : INFLIGHT_ROUTES) {
            Gauge.builder(PredictorMeter.INFLIGHT_REQUESTS.meterName(), this, m -> m.inflight(r))
                    .description(PredictorMeter.INFLIGHT_REQUESTS.description())
                    .tag(Labels.ROUTE, r.wireName())
                    .strongReference(true)
                    .register(registry);
        }
        for (Route pool : new Route[] {Route.LOCAL, Route.LEGACY}) {
            PoolSettings settings = server.pool(pool);
            ServerHealth health = server.originHealth(pool);
            for (int i = 0; i < settings.servers().size(); i++) {
                int index = i;
                Gauge.builder(PredictorMeter.UPSTREAM_SERVER_UP.meterName(), health,
                                h -> h.available(index, System.nanoTime()) ? 1 : 0)
                        .description(PredictorMeter.UPSTREAM_SERVER_UP.description())
                        .tag(Labels.POOL, pool.wireName())
                        .tag(Labels.SERVER, address(settings.servers().get(i)))
                        .strongReference(true)
                        .register(registry);
            }
        }
        server.certificateStores().forEach((listener, store) -> {
            Gauge.builder(PredictorMeter.TLS_CONTEXTS.meterName(), store, CertificateStore::contextsBuilt)
                    .description(PredictorMeter.TLS_CONTEXTS.description())
                    .tag(Labels.LISTENER, listener)
                    .register(registry);
            FunctionCounter.builder(PredictorMeter.TLS_CONTEXT_BUILDS.meterName(), store, CertificateStore::contextBuilds)
                    .description(PredictorMeter.TLS_CONTEXT_BUILDS.description())
                    .tag(Labels.LISTENER, listener)
                    .register(registry);
        });
        new NettyEventExecutorMetrics(server.eventLoops()).bindTo(registry);
    }

    /** The in-flight count of {@code route} from a sample at most {@link #SAMPLE_MAX_AGE_NANOS} old. */
    synchronized double inflight(Route route) {
        long now = System.nanoTime();
        if (!sampled || now - sampledAt > SAMPLE_MAX_AGE_NANOS) {
            try {
                sample = server.inflightByRoute().get(SAMPLE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                sampled = true;
                sampledAt = now;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // loops busy for a second or already shut down: the last sample stands
            }
        }
        return sample.getOrDefault(route, 0);
    }

    private static String address(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}

package io.predictor.admin.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.predictor.admin.jvm.HeapGuard;
import io.predictor.admin.log.AccessLog;
import io.predictor.core.routing.Router;
import io.predictor.core.server.ProxyServer;

/**
 * The process's meters and their Prometheus exposition ({@code GET /metrics}): one
 * {@link PrometheusMeterRegistry}, the control plane's counters, and a binder per instrumented
 * thing, bound by the program once each thing exists. Names, units and labels are decided in
 * {@link PredictorMeter}.
 */
public final class Metrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ControlPlaneMetrics controlPlane = new ControlPlaneMetrics(registry);
    /** Holds JMX notification listeners until closed; null without JVM meters. */
    private JvmGcMetrics gc;
    private RequestMetrics requests;
    /** Whether the process's allocator meters are bound (forProcess): then the data plane's is too. */
    private boolean allocatorMeters;

    private Metrics() {
    }

    /** The control plane's counters only (tests, and a control plane started without a program). */
    public static Metrics create() {
        return new Metrics();
    }

    /**
     * What the program exposes before anything else exists: the control plane's counters, JVM
     * (memory, GC, threads, class loading), process (CPU, uptime, file descriptors) and Netty
     * buffer-allocator meters.
     */
    public static Metrics forProcess() {
        Metrics m = new Metrics();
        m.gc = new JvmGcMetrics();
        m.allocatorMeters = true;
        m.bind(new JvmMemoryMetrics(), m.gc, new JvmThreadMetrics(), new ClassLoaderMetrics(),
                new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics(),
                new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT));
        if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT
                && ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider other) {
            m.bind(new NettyAllocatorMetrics(other)); // Netty 4.2's adaptive default, when it is the default
        }
        return m;
    }

    /** Binds each binder to this registry. */
    public Metrics bind(MeterBinder... binders) {
        for (MeterBinder b : binders) {
            b.bindTo(registry);
        }
        return this;
    }

    /** The table in service: sites by state and revision. */
    public Metrics bindRouting(Router router) {
        return bind(new RoutingMetrics(router));
    }

    /**
     * The running data plane (call after its listeners are bound): connections, in flight, origin
     * health, loops; and its buffer allocator ({@code runtime.allocator}) when it is not one of the
     * two {@link #forProcess} already binds.
     */
    public Metrics bindDataPlane(ProxyServer server) {
        ByteBufAllocator a = server.allocator();
        if (allocatorMeters && a != PooledByteBufAllocator.DEFAULT && a != ByteBufAllocator.DEFAULT
                && a instanceof ByteBufAllocatorMetricProvider provider) {
            bind(new NettyAllocatorMetrics(provider));
        }
        return bind(new DataPlaneMetrics(server));
    }

    public Metrics bindAccessLog(AccessLog log) {
        return bind(new AccessLogMetrics(log));
    }

    /** The heap guard's counters (call once it runs). */
    public Metrics bindHeapGuard(HeapGuard guard) {
        return bind(new HeapGuardMetrics(guard));
    }

    /** {@code predictor_state_store_available}: read from the control plane at scrape time. */
    public Metrics bindStateStore(java.util.function.BooleanSupplier available) {
        return bind(registry -> io.micrometer.core.instrument.Gauge.builder(
                        PredictorMeter.STATE_STORE_AVAILABLE.meterName(), available, a -> a.getAsBoolean() ? 1 : 0)
                .description(PredictorMeter.STATE_STORE_AVAILABLE.description())
                // the supplier is a lambda only the gauge holds: a weak reference would be collected (NaN)
                .strongReference(true)
                .register(registry));
    }

    /** The per-request meters, to hand to the data plane's listeners with the access log (created once). */
    public synchronized RequestMetrics requests() {
        if (requests == null) {
            requests = new RequestMetrics(registry);
        }
        return requests;
    }

    /** What the site service and the drain barrier report to. */
    public ControlPlaneMetrics controlPlane() {
        return controlPlane;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition (format 0.0.4) of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (gc != null) {
            gc.close();
        }
        registry.close();
    }
}

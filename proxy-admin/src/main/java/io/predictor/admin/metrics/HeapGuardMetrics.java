package io.predictor.admin.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.predictor.admin.jvm.HeapGuard;

/**
 * {@code predictor_heap_pressure_total}, {@code predictor_heap_closed_connections_total} and
 * {@code predictor_heap_holds_refused}: the heap guard's own figures, read at scrape time.
 */
public final class HeapGuardMetrics implements MeterBinder {

    private final HeapGuard guard;

    public HeapGuardMetrics(HeapGuard guard) {
        this.guard = guard;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(PredictorMeter.HEAP_PRESSURE.meterName(), guard, HeapGuard::pressureEvents)
                .description(PredictorMeter.HEAP_PRESSURE.description())
                .register(registry);
        FunctionCounter.builder(PredictorMeter.HEAP_CLOSED_CONNECTIONS.meterName(), guard, HeapGuard::connectionsClosed)
                .description(PredictorMeter.HEAP_CLOSED_CONNECTIONS.description())
                .register(registry);
        Gauge.builder(PredictorMeter.HEAP_HOLDS_REFUSED.meterName(), guard, g -> g.holdsRefused() ? 1 : 0)
                .description(PredictorMeter.HEAP_HOLDS_REFUSED.description())
                .register(registry);
    }
}

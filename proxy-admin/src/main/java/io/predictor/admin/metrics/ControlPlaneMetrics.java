package io.predictor.admin.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.predictor.admin.metrics.PredictorMeter.Labels;
import io.predictor.admin.service.ServiceObserver;
import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeRecord;

/**
 * The control plane's counters: {@code predictor_reloads_total{result}},
 * {@code predictor_state_changes_total{kind}}, {@code predictor_drain_barrier_total{result}} and
 * {@code predictor_state_store_errors_total}. Every series is registered up front, at zero, so
 * that {@code rate()} and {@code increase()} see the first event.
 */
public final class ControlPlaneMetrics implements ServiceObserver {

    private final Counter reloadsOk;
    private final Counter reloadsFailed;
    private final Counter siteChanges;
    private final Counter groupChanges;
    private final Counter reloadChanges;
    private final Counter storeErrors;
    private final Counter[] barriers = new Counter[BarrierOutcome.values().length];

    public ControlPlaneMetrics(MeterRegistry registry) {
        reloadsOk = counter(registry, PredictorMeter.RELOADS, Labels.RESULT, "ok");
        reloadsFailed = counter(registry, PredictorMeter.RELOADS, Labels.RESULT, "failed");
        siteChanges = counter(registry, PredictorMeter.STATE_CHANGES, Labels.KIND, "site");
        groupChanges = counter(registry, PredictorMeter.STATE_CHANGES, Labels.KIND, "group");
        reloadChanges = counter(registry, PredictorMeter.STATE_CHANGES, Labels.KIND, "reload");
        storeErrors = Counter.builder(PredictorMeter.STATE_STORE_ERRORS.meterName())
                .description(PredictorMeter.STATE_STORE_ERRORS.description()).register(registry);
        for (BarrierOutcome o : BarrierOutcome.values()) {
            barriers[o.ordinal()] = counter(registry, PredictorMeter.DRAIN_BARRIER, Labels.RESULT, o.wireName());
        }
    }

    private static Counter counter(MeterRegistry registry, PredictorMeter meter, String label, String value) {
        return Counter.builder(meter.meterName()).description(meter.description()).tag(label, value)
                .register(registry);
    }

    @Override
    public void committed(ChangeRecord change) {
        Change c = change.change();
        if (c instanceof Change.Site) {
            siteChanges.increment();
        } else if (c instanceof Change.Group) {
            groupChanges.increment();
        } else {
            reloadChanges.increment();
        }
    }

    @Override
    public void reloaded(boolean ok) {
        (ok ? reloadsOk : reloadsFailed).increment();
    }

    @Override
    public void storeFailed() {
        storeErrors.increment();
    }

    @Override
    public void barrier(BarrierOutcome outcome) {
        barriers[outcome.ordinal()].increment();
    }
}

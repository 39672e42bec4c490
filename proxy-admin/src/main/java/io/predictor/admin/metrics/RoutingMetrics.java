package io.predictor.admin.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.predictor.admin.metrics.PredictorMeter.Labels;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.SiteState;

/**
 * The table in service: {@code predictor_sites{state}} and {@code predictor_table_revision},
 * read from the router's current snapshot at scrape time. The counts by state are computed once
 * per snapshot (the snapshot caches them), so a scrape costs a map read.
 */
public final class RoutingMetrics implements MeterBinder {

    private final Router router;

    public RoutingMetrics(Router router) {
        this.router = router;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (SiteState s : SiteState.values()) {
            Gauge.builder(PredictorMeter.SITES.meterName(), router, r -> r.current().countsByState().get(s))
                    .description(PredictorMeter.SITES.description())
                    .tag(Labels.STATE, s.wireName())
                    .strongReference(true)
                    .register(registry);
        }
        Gauge.builder(PredictorMeter.TABLE_REVISION.meterName(), router, r -> r.current().revision())
                .description(PredictorMeter.TABLE_REVISION.description())
                .strongReference(true)
                .register(registry);
    }
}

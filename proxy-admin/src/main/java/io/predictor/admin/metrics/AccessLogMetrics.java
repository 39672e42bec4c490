package io.predictor.admin.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.predictor.admin.log.AccessLog;

/** {@code predictor_access_log_dropped_total}: the access log's own drop counter, read at scrape time. */
public final class AccessLogMetrics implements MeterBinder {

    private final AccessLog log;

    public AccessLogMetrics(AccessLog log) {
        this.log = log;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(PredictorMeter.ACCESS_LOG_DROPPED.meterName(), log, AccessLog::dropped)
                .description(PredictorMeter.ACCESS_LOG_DROPPED.description())
                .register(registry);
    }
}

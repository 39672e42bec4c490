package io.predictor.admin.service;

import io.predictor.core.routing.SiteTable;
import io.predictor.core.server.InflightCount;
import io.predictor.core.server.SiteMatcher;
import java.util.concurrent.CompletableFuture;

/**
 * What the control plane asks of the data plane: exchanges in flight (the drain barrier) and
 * recent traffic. The program hands in the running {@code ProxyServer}; tests and a control
 * plane without a data plane use {@link #NONE}.
 */
public interface DataPlane {

    /** In-flight exchanges routed by a snapshot older than {@code beforeRevision} that {@code matcher} selects. */
    CompletableFuture<InflightCount> inflight(long beforeRevision, SiteMatcher matcher);

    /** Closes what {@link #inflight} counts; completes with how many were closed. */
    CompletableFuture<Integer> closeInflight(long beforeRevision, SiteMatcher matcher);

    /** Requests for a group of the sites file over the last minute. */
    CompletableFuture<Long> groupRequestsLastMinute(SiteTable base, String group);

    /** No data plane: nothing in flight, no traffic. */
    DataPlane NONE = new DataPlane() {
        @Override
        public CompletableFuture<InflightCount> inflight(long beforeRevision, SiteMatcher matcher) {
            return CompletableFuture.completedFuture(new InflightCount(0, 0));
        }

        @Override
        public CompletableFuture<Integer> closeInflight(long beforeRevision, SiteMatcher matcher) {
            return CompletableFuture.completedFuture(0);
        }

        @Override
        public CompletableFuture<Long> groupRequestsLastMinute(SiteTable base, String group) {
            return CompletableFuture.completedFuture(0L);
        }
    };
}

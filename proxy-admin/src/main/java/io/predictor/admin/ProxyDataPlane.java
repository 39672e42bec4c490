package io.predictor.admin;

import io.predictor.admin.service.DataPlane;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.server.InflightCount;
import io.predictor.core.server.ProxyServer;
import io.predictor.core.server.SiteMatcher;
import java.util.concurrent.CompletableFuture;

/** The running data plane as the control plane sees it (in flight, traffic). */
public final class ProxyDataPlane implements DataPlane {

    private final ProxyServer server;

    public ProxyDataPlane(ProxyServer server) {
        this.server = server;
    }

    @Override
    public CompletableFuture<InflightCount> inflight(long beforeRevision, SiteMatcher matcher) {
        return server.inflight(beforeRevision, matcher);
    }

    @Override
    public CompletableFuture<Integer> closeInflight(long beforeRevision, SiteMatcher matcher) {
        return server.closeInflight(beforeRevision, matcher);
    }

    @Override
    public CompletableFuture<Long> groupRequestsLastMinute(SiteTable base, String group) {
        return server.groupRequestsLastMinute(base, group);
    }
}

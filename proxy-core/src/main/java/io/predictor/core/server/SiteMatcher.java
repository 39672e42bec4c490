package io.predictor.core.server;

import io.predictor.core.routing.RoutingSnapshot;

/**
 * Which in-flight exchanges a drain barrier waits for: given the snapshot that routed an
 * exchange and its host, whether it belongs to the sites a change affected.
 */
@FunctionalInterface
public interface SiteMatcher {

    boolean matches(RoutingSnapshot routedBy, String host);

    /** Every exchange (used for totals and shutdown). */
    SiteMatcher ALL = (s, h) -> true;
}

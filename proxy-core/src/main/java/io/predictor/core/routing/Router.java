package io.predictor.core.routing;

import java.util.Objects;

/**
 * Holds the snapshot in service and swaps it in one volatile write. The data plane reads
 * {@link #current()} once per request; the control plane calls {@link #publish} after a change
 * is durable, so a request that starts after the admin answer is routed by the new state.
 */
public final class Router {

    private volatile RoutingSnapshot current;

    public Router(RoutingSnapshot initial) {
        this.current = Objects.requireNonNull(initial);
    }

    public RoutingSnapshot current() {
        return current;
    }

    public void publish(RoutingSnapshot next) {
        current = Objects.requireNonNull(next);
    }

    /** The route of a normalised host by the current snapshot. */
    public Route route(byte[] host, int len) {
        return current.route(host, len);
    }
}

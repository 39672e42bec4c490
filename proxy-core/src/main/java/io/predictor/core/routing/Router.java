package io.predictor.core.routing;

import java.util.Objects;

/**
 * Holds the snapshot in service and swaps it in one volatile write. The data plane reads
 * {@link #current()} once per request; the control plane calls {@link #publish} after a change
 * is durable, so a request that starts after the admin answer is routed by the new state.
 */
public final class Router {

    private volatile RoutingSnapshot current;
    private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Router(RoutingSnapshot initial) {
        this.current = Objects.requireNonNull(initial);
    }

    public RoutingSnapshot current() {
        return current;
    }

    public void publish(RoutingSnapshot next) {
        current = Objects.requireNonNull(next);
        for (Runnable l : listeners) {
            l.run();
        }
    }

    /** Runs {@code listener} after every publish (on the publishing thread; keep it short). */
    public void onPublish(Runnable listener) {
        listeners.add(listener);
    }

    /** The route of a normalised host by the current snapshot. */
    public Route route(byte[] host, int len) {
        return current.route(host, len);
    }
}

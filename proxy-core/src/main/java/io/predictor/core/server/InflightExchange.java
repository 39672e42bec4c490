package io.predictor.core.server;

import io.predictor.core.routing.Route;

/**
 * Something a drain barrier waits for: an HTTP exchange, an upgraded WebSocket, a TLS
 * passthrough connection. Lives in its event loop's in-flight list while it is open.
 */
interface InflightExchange {

    /** The route that took it (local or legacy). */
    Route route();

    /** Whether it was routed by a snapshot older than {@code revision}. */
    boolean routedBefore(long revision);

    /** Whether its site is one {@code matcher} selects (allocates nothing). */
    boolean matches(SiteMatcher matcher);

    /** Cuts it off (the barrier's {@code close=true}). */
    void abort();
}

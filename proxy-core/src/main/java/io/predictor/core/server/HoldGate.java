package io.predictor.core.server;

/**
 * Whether requests for a site in {@code hold} may be parked now, for every event loop of one
 * server. Closed while the heap is nearly full of live data ({@code HeapGuard}): each parked
 * request keeps its connection and its message head (~4.5 KB) for up to {@code timeouts.hold},
 * and 10,000 of them on a loop beside a 3M-site table would fill {@code bin/predictor}'s heap.
 * A request that may not be parked gets what it would get after {@code timeouts.hold}: the 503
 * page (a TLS passthrough connection: a handshake-failure alert).
 *
 * <p>Written by the heap guard's notification thread, read by the loops only when a request is
 * about to be parked: a volatile read (and the clock while closing), nothing on the path of other
 * requests.
 */
final class HoldGate {

    private volatile boolean closing;
    private volatile long closedUntil;

    /** No request is parked until this {@code System.nanoTime()} (a time past: open now). */
    void closeUntil(long nanoTime) {
        closedUntil = nanoTime;
        closing = true;
    }

    boolean isClosed() {
        return closing && System.nanoTime() - closedUntil < 0;
    }
}

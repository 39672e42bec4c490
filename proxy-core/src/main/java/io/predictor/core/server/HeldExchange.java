package io.predictor.core.server;

/**
 * Something parked because its site is in {@code hold}: an HTTP/1 request, an HTTP/2 stream, a
 * TLS passthrough connection. Looked at again on its own event loop after every table change.
 */
interface HeldExchange {

    /** The table changed: go on if the site left {@code hold}. Runs on the exchange's loop. */
    void reroute();

    /**
     * The proxy stops (the drain's deadline): answered as when {@code timeouts.hold} passes —
     * a 503 with {@code Retry-After} that the client can retry elsewhere, not a cut connection.
     * Runs on the exchange's loop.
     */
    void holdEnded();
}

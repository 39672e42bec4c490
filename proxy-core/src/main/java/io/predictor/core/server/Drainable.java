package io.predictor.core.server;

/**
 * A client connection's handler that can be asked to let go: when the proxy starts draining
 * (SIGTERM), and when the heap runs short ({@link ProxyServer#closeIdleConnections}).
 */
interface Drainable {

    /** Called on the connection's event loop: close when idle, or say goodbye (GOAWAY) and finish. */
    void drain();

    /**
     * Called on the connection's event loop: closes the connection if no exchange is in flight on
     * it (what an idle timeout would do sooner or later) and says whether it did.
     */
    boolean closeIfIdle();
}

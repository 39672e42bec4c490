package io.predictor.core.server;

/** A connection handler that has something to do when the proxy starts draining (SIGTERM). */
interface Drainable {

    /** Called on the connection's event loop: close when idle, or say goodbye (GOAWAY) and finish. */
    void drain();
}

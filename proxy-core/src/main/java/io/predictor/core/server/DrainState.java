package io.predictor.core.server;

/** Set once when the proxy starts draining (SIGTERM): connections then close after their current exchange. */
final class DrainState {

    private volatile boolean draining;

    boolean draining() {
        return draining;
    }

    void start() {
        draining = true;
    }
}

package io.predictor.core.server;

import io.predictor.core.http.Failure;
import io.predictor.core.routing.Route;

/**
 * A read-only view of the exchange a client connection is running, handed to
 * {@link ExchangeListener}s. Valid only during the callback: copy what you keep.
 */
public interface ExchangeInfo {

    String listener();

    String clientAddress();

    /** The Host the request named (allocates). */
    String host();

    String method();

    String target();

    /** {@link #host()} without a copy: valid only during the callback (the access log's way). */
    default CharSequence hostText() {
        return host();
    }

    /** {@link #method()} without a copy: valid only during the callback. */
    default CharSequence methodText() {
        return method();
    }

    /** {@link #target()} without a copy: valid only during the callback. */
    default CharSequence targetText() {
        return target();
    }

    /** The route taken, or null when the request was refused before routing. */
    Route route();

    /** The status sent to the client (499: the client closed first). */
    int status();

    /** Why the proxy answered by itself, or null. */
    Failure failure();

    /** The origin server, {@code host:port}, or null. */
    String originServer();

    long bytesIn();

    long bytesOut();

    long startNanos();

    /** The table revision that routed the request. */
    long revision();
}

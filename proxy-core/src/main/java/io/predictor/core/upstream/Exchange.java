package io.predictor.core.upstream;

import io.netty.channel.Channel;
import io.predictor.core.http.Failure;

/**
 * The client side of one request/response exchange, as the origin side sees it. Implemented by
 * the client connection; every call happens on the event loop both channels share.
 */
public interface Exchange {

    /** The client's channel, where the response is written. */
    Channel clientChannel();

    /** An origin connection is ready for this exchange (pooled or new). */
    void originReady(OriginConnection origin);

    /**
     * The origin failed before a response could be relayed ({@code responseStarted} false), or
     * in the middle of one (true: the client connection can only be closed).
     */
    void originFailed(Failure failure, boolean responseStarted, boolean retryable);

    /** Whether the request was HEAD (its response has no body). */
    boolean isHeadRequest();

    /** Whether the request asked for a WebSocket upgrade. */
    boolean wantsUpgrade();

    /** Whether the client connection closes after this response (adds {@code Connection: close}). */
    boolean closesAfterResponse();

    /** Called when the response head is relayed; {@code status} is the final (non-1xx) status. */
    void responseStarted(int status);

    /** The whole response was relayed. */
    void responseComplete();

    /** The origin answered 101 to an upgrade: from now on bytes are relayed as they are. */
    void tunnelOpened();

    /** Counts response bytes relayed to the client (access log). */
    void addBytesOut(long n);

    /** Whether the whole request went to the origin (else the origin connection cannot be reused). */
    boolean requestComplete();

    /** The origin connection can take more request bytes again (backpressure). */
    void originWritable();
}

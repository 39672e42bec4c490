package io.predictor.core.upstream;

import io.netty.buffer.ByteBuf;
import io.predictor.core.http.Failure;
import io.predictor.core.http.HttpHead;

/**
 * The client side of one request/response exchange, as the origin side sees it: an HTTP/1.1
 * client connection, or (with TLS and ALPN) one HTTP/2 stream. Every call happens on the event
 * loop that both sides share.
 */
public interface Exchange {

    /**
     * Sends a response head on to the client (a 1xx, the final head, or a 101): the HTTP/1.1
     * client side writes it back as bytes, an HTTP/2 stream as a HEADERS frame.
     *
     * @param closing the client connection closes after this response
     * @param upgrade a 101 for a WebSocket upgrade
     */
    void sendResponseHead(HttpHead head, boolean closing, boolean upgrade);

    /**
     * Sends a whole response whose body is already here: the final head, then {@code length}
     * bytes of {@code body} from its reader index (which this does not move). The HTTP/1.1 client
     * side writes both in one buffer: one write, no derived buffer, and the origin's read buffer
     * is free at once — most responses on a web host are small and arrive in one read.
     */
    default void sendResponse(HttpHead head, boolean closing, ByteBuf body, int length) {
        sendResponseHead(head, closing, false);
        if (length > 0) {
            sendResponseBody(body.retainedSlice(body.readerIndex(), length));
        }
    }

    /**
     * Whether the client side cannot carry {@code response}'s Transfer-Encoding (the origin then
     * gets a 502 in its place): HTTP/2 has none (RFC 9113 §8.2.2) and takes off chunked only, so
     * a gzip coding would reach its client as the content; an HTTP/1.0 client knows no
     * Transfer-Encoding at all (RFC 9112 §6.1: the origin should not have sent one).
     */
    default boolean refusesTransferEncoding(HttpHead response) {
        return false;
    }

    /** Sends response body bytes (or tunnel bytes) on to the client; the buffer's ownership passes. */
    void sendResponseBody(ByteBuf data);

    /** Flushes what was sent to the client. */
    void flushResponse();

    /** Whether the client can take more response bytes now (backpressure). */
    boolean clientWritable();

    /** An origin connection is ready for this exchange (pooled or new). */
    void originReady(OriginConnection origin);

    /**
     * The origin failed before a response could be relayed ({@code responseStarted} false), or
     * in the middle of one (true: the client connection can only be closed).
     */
    void originFailed(Failure failure, boolean responseStarted, boolean retryable);

    /** Where the client connection is from and to (the PROXY header a pool asks for is made of it). */
    ClientEndpoints endpoints();

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

    /** Whether the whole request went to the origin (else the origin connection cannot be reused). */
    boolean requestComplete();

    /** The origin connection can take more request bytes again (backpressure). */
    void originWritable();
}

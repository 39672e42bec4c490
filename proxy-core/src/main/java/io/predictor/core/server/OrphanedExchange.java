package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.predictor.core.http.Failure;
import io.predictor.core.http.HttpHead;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.upstream.ClientEndpoints;
import io.predictor.core.upstream.Exchange;
import io.predictor.core.upstream.OriginConnection;
import java.util.concurrent.TimeUnit;

/**
 * A request its client gave up on (it closed or reset the connection, cancelled the stream) or
 * the proxy did ({@code timeouts.upstream_response}: 504) after the origin had received it whole,
 * and before any answer: the origin may still be processing it — an order written on the side the
 * site is leaving. Closing the origin connection would not stop that work (an application runs
 * on after its client is gone), so the drain barrier must go on counting it: this takes over the
 * origin connection, reads the answer and drops it, and stays in its loop's in-flight list until
 * the origin answers, fails or closes, for at most {@code timeouts.upstream_response} more. A
 * barrier's {@code close=true} cuts it, as it cuts any exchange. Found by review: the barrier had
 * answered drained while the old side was still committing such a request.
 *
 * <p>HAProxy without {@code option abortonclose} behaves the same: the server side of a request
 * whose client left goes on until the server answers. Everything here runs on the loop that
 * owns the origin connection.
 */
final class OrphanedExchange implements Exchange, InflightExchange {

    private final LoopState loop;
    private final ConnectionList.Node<InflightExchange> node = new ConnectionList.Node<>(this);
    private final RoutingSnapshot routedBy;
    private final Route route;
    /** The routing host, normalised (the barrier's matchers read it). */
    private final byte[] host;
    private final ClientEndpoints endpoints;
    private final boolean headRequest;
    private final ScheduledFuture<?> deadline;
    private OriginConnection origin;

    private <E extends RoutedExchange & Exchange> OrphanedExchange(E was, OriginConnection origin, LoopState loop,
            EventExecutor executor, long timeoutMillis) {
        this.loop = loop;
        this.routedBy = was.routedBy;
        this.route = was.route;
        this.host = java.util.Arrays.copyOf(was.host, was.hostLength);
        this.endpoints = was.endpoints();
        this.headRequest = was.isHeadRequest();
        this.origin = origin;
        loop.inflight.add(node);
        this.deadline = executor.schedule(this::abort, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether an exchange whose client side ends now leaves an orphan behind: the origin has the
     * whole request and has not started an answer.
     */
    static boolean wanted(RoutedExchange routed, OriginConnection origin, boolean requestComplete,
            boolean responseStarted) {
        return origin != null && requestComplete && !responseStarted && routed.routedBy != null;
    }

    /** Takes {@code origin} over from {@code was} (whose client side ends now), counted in flight from here. */
    static <E extends RoutedExchange & Exchange> void adopt(E was, OriginConnection origin, LoopState loop,
            EventExecutor executor, long timeoutMillis) {
        origin.flush(); // the end of the request may still sit in its buffer
        origin.handOver(new OrphanedExchange(was, origin, loop, executor, timeoutMillis));
    }

    private void finish() {
        origin = null;
        deadline.cancel(false);
        loop.inflight.remove(node);
    }

    // ---- the origin's side: the answer is read and dropped ------------------------------------

    @Override
    public void sendResponseHead(HttpHead head, boolean closing, boolean upgrade) {
    }

    @Override
    public void sendResponse(HttpHead head, boolean closing, ByteBuf body, int length) {
        // the body is the origin connection's buffer, not passed on
    }

    @Override
    public void sendResponseBody(ByteBuf data) {
        data.release();
    }

    @Override
    public void flushResponse() {
    }

    @Override
    public boolean clientWritable() {
        return true; // nobody to wait for: read the answer as fast as it comes
    }

    @Override
    public void originReady(OriginConnection o) {
        throw new IllegalStateException("an orphan is handed a connection already in use");
    }

    @Override
    public void originFailed(Failure failure, boolean responseStarted, boolean retryable) {
        finish(); // closed or broken: whatever it was doing, it answers nobody now
    }

    @Override
    public ClientEndpoints endpoints() {
        return endpoints;
    }

    @Override
    public boolean isHeadRequest() {
        return headRequest;
    }

    @Override
    public boolean wantsUpgrade() {
        return false; // a 101 now is a bad response: the connection fails, which ends this
    }

    @Override
    public boolean closesAfterResponse() {
        return false;
    }

    @Override
    public void responseStarted(int status) {
    }

    @Override
    public void responseComplete() {
        finish(); // answered: the request is done on the origin side (the connection goes back to its pool)
    }

    @Override
    public void tunnelOpened() {
        abort();
    }

    @Override
    public boolean requestComplete() {
        return true;
    }

    @Override
    public void originWritable() {
    }

    // ---- the drain barrier's side -------------------------------------------------------------

    @Override
    public Route route() {
        return route;
    }

    @Override
    public boolean routedBefore(long revision) {
        return routedBy.revision() < revision;
    }

    @Override
    public boolean matches(SiteMatcher matcher) {
        return matcher.matches(routedBy, host, host.length);
    }

    /** The barrier's {@code close=true}, or {@code timeouts.upstream_response} more without an answer. */
    @Override
    public void abort() {
        OriginConnection o = origin;
        if (o != null) {
            finish();
            o.abandon();
        }
    }
}

package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.Future;
import io.predictor.core.http.ByteText;
import io.predictor.core.http.ChunkedDecoder;
import io.predictor.core.http.Failure;
import io.predictor.core.http.Http2Downgrade;
import io.predictor.core.http.HttpHead;
import io.predictor.core.http.ProxyResponses;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.upstream.ClientEndpoints;
import io.predictor.core.upstream.Exchange;
import io.predictor.core.upstream.OriginConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 stream — one request — forwarded to a pooled HTTP/1.1 origin connection: the
 * client side of an {@link Exchange}, driven by its connection's {@link Http2Frontend.Connection}
 * on the connection's event loop (so the origin connection runs there too). It validates the header block
 * ({@link Http2Downgrade}), routes by {@code :authority} like ClientConnection routes by Host
 * (maintenance page, hold parking, preview, loop guard, 421 for a name the certificate does not
 * cover), writes the HTTP/1.1 head itself, and streams the body each way: DATA frames become
 * the request body (chunked when no content-length came), the response body becomes DATA frames
 * (chunk framing taken off).
 *
 * <p>Flow control is the backpressure: the bytes of a DATA frame return to the client's
 * window only once they went on to an origin connection that is writable (until then the
 * frame waits here: at most one window); the origin is read only while the stream is writable.
 *
 * <p>Not a channel handler and not in a pipeline: the connection calls it. Its timeouts are
 * deadlines in fields that the connection's one timer looks at ({@link #checkDeadlines}).
 */
final class Http2StreamExchange extends RoutedExchange implements Exchange, HeldExchange {

    private static final int HEADERS = 0;
    private static final int WAIT_ORIGIN = 1;
    private static final int BODY = 2;
    private static final int WAIT_RESPONSE = 3;
    private static final int DONE = 4;
    private static final int HELD = 5;

    private static final AsciiString TEXT_HTML = AsciiString.cached("text/html; charset=utf-8");
    private static final AsciiString NO_STORE = AsciiString.cached("no-store");
    private static final AsciiString RETRY_AFTER_VALUE =
            AsciiString.of(Integer.toString(ProxyResponses.MAINTENANCE_RETRY_AFTER_SECONDS));
    private static final AsciiString HEAD = AsciiString.cached("HEAD");
    private static final AsciiString CONNECT = AsciiString.cached("CONNECT");
    private static final AsciiString[] IDEMPOTENT = {AsciiString.cached("GET"), HEAD, AsciiString.cached("OPTIONS"),
        AsciiString.cached("TRACE"), AsciiString.cached("PUT"), AsciiString.cached("DELETE")};
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private final ConnectionList.Node<InflightExchange> inflightNode = new ConnectionList.Node<>(this);
    private final ConnectionList.Node<HeldExchange> heldNode = new ConnectionList.Node<>(this);
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>(4);
    private final ChunkedDecoder.Sink sendData = this::sendData;

    private final Http2Frontend.Connection conn;
    private final Http2Stream stream;
    private final int id;
    private final LoopState loop;
    private int state = HEADERS;

    private Http2Headers request;
    /** What {@link Http2Downgrade#validate} found in {@link #request}: no name is looked up twice. */
    private final Http2Downgrade.Fields fields = new Http2Downgrade.Fields();
    /** {@code :method} and {@code :path}, looked up once (the access log reads them too). */
    private CharSequence method;
    private CharSequence path;
    private final ByteText hostText = new ByteText();
    private CharSequence authority;
    private boolean preview;
    private boolean headRequest;
    private boolean requestEnded;
    private boolean requestSent;
    private boolean bodyless;
    private boolean chunked;
    private long expectedLength = -1;
    private long received;

    private OriginConnection origin;
    private boolean exchangeOpen;
    private boolean startedNotified;
    private boolean retried;
    /** GET, HEAD, OPTIONS, TRACE, PUT or DELETE: may be sent again when nothing came back (RFC 9110 §9.2.2). */
    private boolean idempotent;
    private int originIndex = -1;
    private boolean responseStarted;
    private boolean responseEnded;
    private ChunkedDecoder responseChunks;
    private long responseRemaining;
    /** Request body bytes read but not yet returned to the client's flow-control windows. */
    private int unconsumed;
    /** {@code timeouts.upstream_response}: when the response head must have come (0: not waiting). */
    private long responseDeadline;
    private Future<?> holdTimer;
    /** Whether the stall check of {@code timeouts.idle} applies (from the origin's start). */
    private boolean stallArmed;
    /** When a body byte last moved either way (the stall check of {@code timeouts.idle}). */
    private long lastProgress;

    Http2StreamExchange(FrontendContext shared, Http2Frontend.Connection conn, Http2Stream stream) {
        super(shared);
        this.conn = conn;
        this.stream = stream;
        this.id = stream.id();
        this.loop = conn.loop;
        this.clientAddressText = conn.clientAddressText;
    }

    // ---- stream life (what the connection calls) -----------------------------------------------

    /** The client reset the stream (RST_STREAM). */
    void clientReset() {
        releaseOrigin();
        if (exchangeOpen && (!responseStarted || status == 0)) {
            status = 499; // as HTTP/1.1 counts it: gone before the answer began (one that began keeps its status)
        }
        end();
    }

    /**
     * The stream closed: normally, once both sides ended — then the origin connection, if it is
     * still finishing the response, completes it — or because it was reset, or the connection closed.
     */
    void streamClosed() {
        if (requestEnded && responseEnded && state != HELD) {
            return;
        }
        releaseOrigin();
        if (exchangeOpen && (!responseStarted || status == 0)) {
            status = 499; // as HTTP/1.1 counts it: gone before the answer began (one that began keeps its status)
        }
        end();
    }

    /** A stream error (the connection resets the stream with its code right after this). */
    void streamError() {
        abandonOrigin();
        if (exchangeOpen && !responseEnded) {
            status = Failure.BAD_REQUEST.status();
            failure = Failure.BAD_REQUEST;
        }
        end();
    }

    /** The stream can take response bytes again: the origin is read on. */
    void clientWritableAgain() {
        if (origin != null) {
            origin.clientWritable();
        }
    }

    /** Resets the stream with CANCEL unless it is closed already. */
    private void cancelStream() {
        if (stream.state() != Http2Stream.State.CLOSED) {
            conn.reset(id, Http2Error.CANCEL);
        }
    }

    // ---- the request ---------------------------------------------------------------------------

    void onRequest(Http2Headers headers, boolean endOfStream) {
        exchangeOpen = true;
        startNanos = System.nanoTime();
        request = headers;
        requestEnded = endOfStream;
        String malformed = Http2Downgrade.validate(request, fields);
        if (malformed != null) {
            method = headers.method(); // for the access log: the pass may have stopped before them
            path = headers.path();
            reset(Http2Error.PROTOCOL_ERROR, Failure.BAD_REQUEST);
            return;
        }
        method = fields.method();
        path = fields.path();
        if (AsciiString.contentEquals(method, CONNECT)) {
            // as on HTTP/1.1 (501): downgraded, it would be a CONNECT whose 2xx opens a tunnel
            // this side frames as a response (found by review)
            respond(Failure.NOT_IMPLEMENTED.status(), Failure.NOT_IMPLEMENTED, false);
            return;
        }
        headRequest = AsciiString.contentEquals(method, HEAD);
        idempotent = isIdempotent(method);
        authority = fields.authority();
        hostLength = authority == null ? -1 : normalize(authority, host);
        if (hostLength < 0) {
            respond(Failure.BAD_REQUEST.status(), Failure.BAD_REQUEST, false);
            return;
        }
        CharSequence hostField = fields.hostBesideAuthority();
        if (hostField != null) {
            byte[] other = new byte[HostName.MAX_LENGTH + 2];
            int n = normalize(hostField, other);
            if (n != hostLength || !java.util.Arrays.equals(other, 0, n, host, 0, n)) {
                reset(Http2Error.PROTOCOL_ERROR, Failure.BAD_REQUEST); // RFC 9113 §8.3.1: Host must agree with :authority
                return;
            }
        }
        expectedLength = fields.contentLength();
        if (requestEnded && expectedLength > 0) {
            reset(Http2Error.PROTOCOL_ERROR, Failure.BAD_REQUEST); // RFC 9113 §8.1.1: content-length without the data
            return;
        }
        chunked = !requestEnded && expectedLength < 0;
        bodyless = requestEnded;
        if (conn.certificate != null && host[0] != '[' && !ClientConnection.isIpv4Literal(host, hostLength)
                && !conn.certificate.covers(host, hostLength)) {
            respond(Failure.MISDIRECTED.status(), Failure.MISDIRECTED, false);
            return;
        }
        preview = isPreview();
        dispatch(shared.router.current());
    }

    private static boolean isIdempotent(CharSequence m) {
        for (AsciiString i : IDEMPOTENT) {
            if (AsciiString.contentEquals(m, i)) {
                return true;
            }
        }
        return false;
    }

    private static int normalize(CharSequence value, byte[] into) {
        AsciiString a = AsciiString.of(value);
        if (a.length() > HostName.MAX_LENGTH + 16) {
            return -1;
        }
        return HostName.normalize(a.array(), a.arrayOffset(), a.length(), into);
    }

    private boolean isPreview() {
        byte[] suffix = shared.previewSuffix;
        if (suffix == null || hostLength <= suffix.length) {
            return false;
        }
        int off = hostLength - suffix.length;
        if (!java.util.Arrays.equals(host, off, hostLength, suffix, 0, suffix.length)) {
            return false;
        }
        hostLength = off;
        return true;
    }

    /** Routes the request by {@code snapshot} and acts on the route. */
    private void dispatch(RoutingSnapshot snapshot) {
        boolean again = routedBy != null; // a held request going on: counted in its group's traffic once
        routedBy = snapshot;
        revision = snapshot.revision();
        long resolved = snapshot.resolve(host, hostLength);
        if (resolved != RoutingSnapshot.NOT_FOUND && !again) {
            loop.traffic.count(snapshot.base(), RoutingSnapshot.groupOf(resolved), startNanos);
        }
        if (preview) {
            route = Route.LOCAL;
        } else {
            SiteState s = resolved == RoutingSnapshot.NOT_FOUND ? null : RoutingSnapshot.stateOf(resolved);
            route = (s == null ? snapshot.defaultState() : s).route();
        }
        if (route == Route.HOLD) {
            park();
            return;
        }
        notifyStarted();
        if (!route.isForwarded()) {
            respond(503, null, true);
            return;
        }
        if (Http2Downgrade.loops(request, fields, shared.instance, shared.routeNames[route.ordinal()])) {
            respond(Failure.LOOP.status(), Failure.LOOP, false);
            return;
        }
        loop.inflight.add(inflightNode);
        state = WAIT_ORIGIN;
        loop.pools[route.ordinal()].acquire(this, false);
    }

    private void notifyStarted() {
        if (!startedNotified) {
            startedNotified = true;
            shared.exchanges.started(this);
        }
    }

    // ---- hold ----------------------------------------------------------------------------------

    private void park() {
        if (!loop.mayPark()) {
            notifyStarted();
            respond(503, null, true);
            return;
        }
        notifyStarted();
        state = HELD;
        loop.held.add(heldNode);
        holdTimer = conn.ctx.executor().schedule(this::holdTimedOut, shared.settings.holdTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void reroute() {
        if (state != HELD) {
            return;
        }
        RoutingSnapshot snapshot = shared.router.current();
        SiteState s = snapshot.stateOf(host, hostLength);
        if ((s == null ? snapshot.defaultState() : s) == SiteState.HOLD) {
            return;
        }
        unpark();
        state = HEADERS;
        dispatch(snapshot);
        conn.flushSoon();
    }

    private void unpark() {
        loop.held.remove(heldNode);
        if (holdTimer != null) {
            holdTimer.cancel(false);
            holdTimer = null;
        }
    }

    @Override
    public void holdEnded() {
        if (holdTimer != null) {
            holdTimer.cancel(false);
        }
        holdTimedOut();
        conn.flushSoon();
    }

    private void holdTimedOut() {
        holdTimer = null;
        if (state == HELD) {
            unpark();
            respond(503, null, true);
        }
    }

    // ---- the request body ----------------------------------------------------------------------

    /**
     * A DATA frame ({@code data} is the decoder's: retained to be kept). Returns how many of its
     * bytes go back to the client's flow-control windows now; the rest go back when the origin
     * takes them ({@link #originWritable}).
     */
    int onData(ByteBuf data, boolean end) {
        int n = data.readableBytes();
        received += n;
        if (expectedLength >= 0 && (received > expectedLength || (end && received != expectedLength))) {
            if (state != DONE) {
                abandonOrigin();
                reset(Http2Error.PROTOCOL_ERROR, Failure.BAD_REQUEST); // RFC 9113 §8.1.1
            }
            return n;
        }
        bytesIn += n;
        lastProgress = System.nanoTime();
        int consumedNow = n;
        if (n > 0 && (state == WAIT_ORIGIN || state == HELD)) {
            pending.add(data.retain()); // at most one flow-control window: no credit goes back meanwhile
            unconsumed += n;
            consumedNow = 0;
        } else if (n > 0 && state == BODY) {
            forward(data.retain());
            origin.flush();
            if (!origin.isWritable()) {
                unconsumed += n;
                consumedNow = 0;
            }
        }
        if (end) {
            onRequestEnd();
        }
        return consumedNow;
    }

    /** Request body bytes the origin took go back to the client's windows while it can take more. */
    private void returnCredit() {
        if (unconsumed > 0 && origin != null && origin.isWritable()) {
            int n = unconsumed;
            unconsumed = 0;
            conn.consumed(stream, n);
        }
    }

    void onRequestEnd() {
        requestEnded = true;
        if (state == BODY) {
            endRequestBody();
        }
    }

    private void forward(ByteBuf data) {
        if (chunked) {
            ByteBuf size = conn.ctx.alloc().buffer(10);
            ByteBufUtil.writeAscii(size, Integer.toHexString(data.readableBytes()));
            size.writeBytes(CRLF);
            origin.write(size);
            origin.write(data);
            origin.write(Unpooled.wrappedBuffer(CRLF));
        } else {
            origin.write(data);
        }
    }

    private void endRequestBody() {
        if (chunked) {
            origin.write(Unpooled.wrappedBuffer(LAST_CHUNK));
        }
        origin.flush();
        requestSent = true;
        if (!responseStarted) {
            state = WAIT_RESPONSE;
            if (responseDeadline == 0) {
                responseDeadline = nonZero(System.nanoTime()
                        + TimeUnit.MILLISECONDS.toNanos(shared.settings.upstreamResponseTimeoutMillis()));
                conn.wakeBy(responseDeadline);
            }
        }
    }

    // ---- the origin side's callbacks (Exchange) ------------------------------------------------

    @Override
    public void originReady(OriginConnection o) {
        if (state != WAIT_ORIGIN) {
            o.abandon();
            return;
        }
        origin = o;
        originServer = o.serverName();
        originIndex = o.serverIndex();
        CharSequence sentHost = preview ? new String(host, 0, hostLength, StandardCharsets.ISO_8859_1) : authority;
        ByteBuf head = conn.ctx.alloc().directBuffer(512);
        Http2Downgrade.writeRequest(request, fields, head, conn.clientAddress, shared.proto, conn.trustedPeer,
                shared.via[route.ordinal()], sentHost, chunked, bodyless);
        o.write(head);
        state = BODY;
        lastProgress = System.nanoTime();
        if (!stallArmed) {
            stallArmed = true;
            conn.wakeBy(lastProgress + TimeUnit.MILLISECONDS.toNanos(shared.settings.idleTimeoutMillis()));
        }
        ByteBuf piece;
        while ((piece = pending.poll()) != null) {
            forward(piece);
        }
        if (requestEnded) {
            endRequestBody();
        }
        o.read();
        o.flush();
        returnCredit();
    }

    @Override
    public void originFailed(Failure f, boolean started, boolean retryable) {
        origin = null;
        responseDeadline = 0;
        if (state == DONE) {
            return;
        }
        if (!started && retryable && bodyless && idempotent && !retried) {
            retried = true; // nothing came back for a request safe to repeat: once more, elsewhere if possible
            state = WAIT_ORIGIN;
            loop.pools[route.ordinal()].acquireForRetry(this, originIndex);
            return;
        }
        if (started || responseStarted) {
            reset(Http2Error.INTERNAL_ERROR, f);
            return;
        }
        respond(f.status(), f, false);
    }

    @Override
    public boolean refusesTransferEncoding(HttpHead response) {
        return response.hasTransferCoding(); // chunked is taken off; a gzip coding would pass as the content
    }

    @Override
    public void sendResponseHead(HttpHead head, boolean closing, boolean upgrade) {
        int code = head.status();
        Http2Headers headers = Http2Downgrade.responseHeaders(head);
        if (code < 200) {
            // 100, 103; one over the client's header list limit is left out (interim answers are
            // advisory, RFC 9110 §15.2), not sent to end the client's connection
            if (code != 101 && !conn.refusesHeaderList(head.length(), headers)) {
                conn.writeHeaders(id, headers, false);
            }
            return;
        }
        if (conn.refusesHeaderList(head.length(), headers)) {
            abandonOrigin(); // its body is not wanted (the origin connection checks for this after the head)
            refuseHeaders();
            return;
        }
        responseRemaining = headRequest || code == 204 || code == 304 ? 0 : head.chunked() ? -1 : head.contentLength();
        if (head.chunked() && responseRemaining != 0) {
            responseChunks = new ChunkedDecoder();
        }
        boolean end = responseRemaining == 0;
        bytesOut += head.length();
        responseEnded = end; // before the write: a HEADERS frame that ends both sides closes the stream at once
        conn.writeHeaders(id, headers, end);
    }

    /**
     * A whole response that came in one read of the origin (a body of up to 4 KiB with its
     * head, or none): HEADERS and DATA in one buffer, one write
     * ({@link Http2Frontend.Connection#writeWholeResponse}), unless its body is chunked (the
     * framing comes off piece by piece) or the stream cannot take it at once (flow control).
     */
    @Override
    public void sendResponse(HttpHead head, boolean closing, ByteBuf body, int length) {
        if (responseEnded || head.chunked() || !conn.canWriteWholeResponse(stream, length)) {
            Exchange.super.sendResponse(head, closing, body, length);
            return;
        }
        Http2Headers headers = Http2Downgrade.responseHeaders(head);
        if (conn.refusesHeaderList(head.length(), headers)) {
            refuseHeaders(); // the origin's response is complete: its connection goes back to the pool
            return;
        }
        bytesOut += head.length() + length;
        lastProgress = System.nanoTime();
        responseEnded = true; // before the write, which may close the stream
        conn.writeWholeResponse(stream, headers, body, body.readerIndex(), length);
    }

    @Override
    public void sendResponseBody(ByteBuf data) {
        if (responseEnded) {
            data.release();
            return;
        }
        if (responseChunks != null) {
            try {
                responseChunks.decode(data, sendData);
            } finally {
                data.release();
            }
        } else {
            sendData(data);
        }
    }

    private void sendData(ByteBuf piece) {
        int n = piece.readableBytes();
        if (n == 0 || responseEnded) {
            piece.release();
            return;
        }
        bytesOut += n;
        lastProgress = System.nanoTime();
        boolean end = false;
        if (responseRemaining > 0) {
            responseRemaining -= n;
            end = responseRemaining <= 0;
        }
        responseEnded = end;
        conn.writeData(id, piece, end);
    }

    @Override
    public void flushResponse() {
        conn.flushSoon();
    }

    @Override
    public boolean clientWritable() {
        return conn.isWritable(stream);
    }

    @Override
    public ClientEndpoints endpoints() {
        return conn.endpoints;
    }

    @Override
    public boolean isHeadRequest() {
        return headRequest;
    }

    @Override
    public boolean wantsUpgrade() {
        return false; // HTTP/2 has no Upgrade; WebSockets over HTTP/2 (RFC 8441) are not offered
    }

    @Override
    public boolean closesAfterResponse() {
        return false; // the stream ends; the connection goes on
    }

    @Override
    public void responseStarted(int responseStatus) {
        if (headersRefused()) {
            return; // the client got a 502 in its place (refuseHeaders)
        }
        status = responseStatus;
        responseStarted = true;
        responseDeadline = 0;
    }

    @Override
    public void responseComplete() {
        origin = null;
        if (headersRefused()) {
            return; // answered already (refuseHeaders)
        }
        if (!responseEnded) {
            responseEnded = true;
            conn.writeData(id, Unpooled.EMPTY_BUFFER, true);
        }
        conn.flushSoon();
        finishExchange();
        state = DONE;
        if (!requestEnded) {
            // RFC 9113 §8.1: the response is complete; the client may stop sending its body
            releasePending();
            conn.resetAfterResponse(id);
        }
    }

    @Override
    public void tunnelOpened() {
        // never: no upgrade is asked for
    }

    @Override
    public boolean requestComplete() {
        return requestSent;
    }

    /**
     * Whatever the state: the body may have been sent whole (the exchange waits for its response)
     * while the origin could not take more, and its bytes held the client's connection window
     * until the response came, stalling every other upload on the connection (found by review).
     */
    @Override
    public void originWritable() {
        returnCredit();
    }

    // ---- answering -----------------------------------------------------------------------------

    /** A response the proxy makes itself: the status's page (or the maintenance page) as HEADERS + DATA. */
    private void respond(int code, Failure f, boolean maintenance) {
        status = code;
        failure = f;
        ByteBuf body = maintenance ? shared.responses.maintenanceBody() : shared.responses.body(code);
        Http2Headers headers = new DefaultHttp2Headers(false)
                .status(AsciiString.of(Integer.toString(code)))
                .add(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, TEXT_HTML)
                .add(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH,
                        AsciiString.of(Integer.toString(body.readableBytes())))
                .add(io.netty.handler.codec.http.HttpHeaderNames.CACHE_CONTROL, NO_STORE);
        if (maintenance) {
            headers.add(io.netty.handler.codec.http.HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_VALUE);
        }
        responseEnded = true;
        finishExchange();
        state = DONE;
        releasePending();
        if (headRequest) {
            conn.writeHeaders(id, headers, true);
        } else {
            bytesOut += body.readableBytes();
            conn.writeHeaders(id, headers, false);
            conn.writeData(id, body, true);
        }
        if (!requestEnded) {
            conn.resetAfterResponse(id); // the rest of the body is not wanted
        }
        conn.flushSoon();
    }

    /**
     * The origin's response head is over the client's SETTINGS_MAX_HEADER_LIST_SIZE: a 502, as
     * for an origin head over {@code limits.max_header_size}; the origin's status is not reported.
     */
    private void refuseHeaders() {
        respond(Failure.RESPONSE_HEADERS_TOO_LARGE.status(), Failure.RESPONSE_HEADERS_TOO_LARGE, false);
    }

    /** Whether {@link #refuseHeaders} answered in the origin's place (its later callbacks then change nothing). */
    private boolean headersRefused() {
        return failure == Failure.RESPONSE_HEADERS_TOO_LARGE;
    }

    /** Refuses the stream with RST_STREAM (a malformed request, RFC 9113 §8.1.1; an origin that failed mid-response). */
    private void reset(Http2Error error, Failure f) {
        if (status == 0 || !responseStarted) {
            status = f.status();
        }
        failure = f;
        state = DONE;
        responseEnded = true;
        finishExchange();
        releasePending();
        if (stream.state() != Http2Stream.State.CLOSED) {
            conn.reset(id, error);
        }
    }

    /**
     * The stream ends on the client side (reset, closed, or the proxy gave up waiting): an origin
     * that has the whole request and has not answered may still be processing it, so it goes on
     * as an orphan the drain barrier counts ({@link OrphanedExchange}); else it is abandoned.
     */
    private void releaseOrigin() {
        if (exchangeOpen && OrphanedExchange.wanted(this, origin, requestSent, responseStarted)) {
            OriginConnection o = origin;
            origin = null;
            responseDeadline = 0;
            OrphanedExchange.adopt(this, o, loop, conn.ctx.executor(),
                    shared.settings.upstreamResponseTimeoutMillis());
        } else {
            abandonOrigin();
        }
    }

    private void abandonOrigin() {
        responseDeadline = 0;
        if (origin != null) {
            OriginConnection o = origin;
            origin = null;
            o.abandon();
        }
    }

    private void end() {
        if (heldNode.linked()) {
            unpark();
        }
        finishExchange();
        state = DONE;
        releasePending();
    }

    private void releasePending() {
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            b.release();
        }
    }

    private void finishExchange() {
        if (inflightNode.linked()) {
            loop.inflight.remove(inflightNode);
        }
        responseDeadline = 0;
        stallArmed = false;
        if (exchangeOpen) {
            exchangeOpen = false;
            shared.exchanges.completed(this, System.nanoTime());
        }
    }

    /**
     * The connection's timer asks: acts on a deadline that has come — {@code timeouts.upstream_response}
     * (no response head in time after the request was sent), {@code timeouts.idle} for one stream
     * (an upload that stopped, or a response the client stopped reading: its window stays shut;
     * the stream ends and the origin connection is freed) — and returns the next one (0: none).
     */
    long checkDeadlines(long now) {
        if (state == DONE || !exchangeOpen) {
            return 0;
        }
        if (responseDeadline != 0 && now - responseDeadline >= 0) {
            responseDeadline = 0;
            if (!responseStarted && origin != null) {
                releaseOrigin(); // an orphan: the origin may still be working on it
                respond(Failure.RESPONSE_TIMEOUT.status(), Failure.RESPONSE_TIMEOUT, false);
                return 0;
            }
        }
        long next = responseDeadline;
        if (stallArmed) {
            boolean moving = (state == BODY && !requestEnded) || (responseStarted && !responseEnded);
            long stallAt = lastProgress + TimeUnit.MILLISECONDS.toNanos(shared.settings.idleTimeoutMillis());
            if (moving && now - stallAt >= 0) {
                abandonOrigin();
                status = responseStarted ? status : 408;
                end();
                cancelStream();
                return 0;
            }
            if (moving && (next == 0 || stallAt - next < 0)) {
                next = stallAt;
            }
        }
        return next;
    }

    private static long nonZero(long t) {
        return t == 0 ? 1 : t;
    }

    // ---- drain barrier (which revision and site routed it: RoutedExchange) ----------------------

    @Override
    public void abort() {
        abandonOrigin();
        cancelStream();
    }

    // ---- ExchangeInfo --------------------------------------------------------------------------

    @Override
    public String host() {
        if (hostLength > 0) {
            return new String(host, 0, hostLength, StandardCharsets.ISO_8859_1);
        }
        return authority == null ? null : authority.toString();
    }

    @Override
    public String method() {
        return method == null ? null : method.toString();
    }

    @Override
    public String target() {
        return path == null ? null : path.toString();
    }

    @Override
    public CharSequence hostText() {
        return hostLength > 0 ? hostText.set(host, 0, hostLength) : authority;
    }

    @Override
    public CharSequence methodText() {
        return method;
    }

    @Override
    public CharSequence targetText() {
        return path;
    }

}

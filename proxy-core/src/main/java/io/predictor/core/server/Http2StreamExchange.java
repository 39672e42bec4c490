package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.predictor.core.http.ChunkedDecoder;
import io.predictor.core.http.Failure;
import io.predictor.core.http.Http2Downgrade;
import io.predictor.core.http.HttpHead;
import io.predictor.core.http.ProxyResponses;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.tls.ServerCertificate;
import io.predictor.core.upstream.ClientEndpoints;
import io.predictor.core.upstream.Exchange;
import io.predictor.core.upstream.OriginConnection;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 stream — one request — forwarded to a pooled HTTP/1.1 origin connection: the
 * client side of an {@link Exchange}, in the stream's child channel (which runs on the
 * connection's event loop, so the origin connection does too). It validates the header block
 * ({@link Http2Downgrade}), routes by {@code :authority} like ClientConnection routes by Host
 * (maintenance page, hold parking, preview, loop guard, 421 for a name the certificate does not
 * cover), writes the HTTP/1.1 head itself, and streams the body each way: DATA frames become
 * the request body (chunked when no content-length came), the response body becomes DATA frames
 * (chunk framing taken off).
 *
 * <p>Flow control is the backpressure: {@code AUTO_READ} is off on the stream, and the next
 * DATA frame is read — which is what returns window credit to the client — only while the
 * origin connection is writable; the origin is read only while the stream is writable.
 *
 * <p>Pipeline of the stream channel: {@code exchange} (this), behind {@code Http2MultiplexHandler}.
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
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private final ConnectionList.Node<InflightExchange> inflightNode = new ConnectionList.Node<>(this);
    private final ConnectionList.Node<HeldExchange> heldNode = new ConnectionList.Node<>(this);
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>(4);
    private final ChunkedDecoder.Sink sendData = this::sendData;

    private ChannelHandlerContext ctx;
    private LoopState loop;
    private ClientEndpoints endpoints;
    private ServerCertificate certificate;
    private byte[] clientAddress;
    private boolean trustedPeer;
    private int state = HEADERS;

    private Http2Headers request;
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
    private Future<?> responseTimer;
    private Future<?> holdTimer;
    private Future<?> stallTimer;
    /** When a body byte last moved either way (the stall check of {@code timeouts.idle}). */
    private long lastProgress;

    Http2StreamExchange(FrontendContext shared) {
        super(shared);
    }

    // ---- stream life -------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        loop = shared.loops.get(ctx.channel().eventLoop());
        endpoints = ClientEndpoints.of(ctx.channel());
        certificate = ctx.channel().parent().attr(ServerCertificate.CHANNEL_ATTRIBUTE).get();
        InetAddress peer = endpoints.client() == null ? null : endpoints.client().getAddress();
        clientAddressText = peer == null ? "unknown" : peer.getHostAddress();
        clientAddress = clientAddressText.getBytes(StandardCharsets.US_ASCII);
        trustedPeer = peer != null && shared.listener.trustedProxies().test(peer);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame frame) {
            if (request == null) {
                onRequest(frame);
            } else if (frame.isEndStream()) {
                onRequestEnd(); // trailers: dropped (an HTTP/1.1 origin would need them chunked)
            }
        } else if (msg instanceof Http2DataFrame frame) {
            onData(frame);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (origin != null) {
            origin.flush();
        }
        ctx.flush();
        readIfWanted();
    }

    /** The next frame is read only when it can go somewhere: flow-control credit returns with it. */
    private void readIfWanted() {
        if (state == HEADERS || (state == BODY && !requestEnded && origin != null && origin.isWritable())) {
            ctx.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame) {
            // the client cancelled the stream
            abandonOrigin();
            if (exchangeOpen && !responseEnded) {
                status = 499;
            }
            end();
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && origin != null) {
            origin.clientWritable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        abandonOrigin();
        if (exchangeOpen && !responseEnded) {
            status = 499;
        }
        end();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a stream error: the multiplexer resets the stream with its code right after this; anything else closes it
        abandonOrigin();
        if (exchangeOpen && !responseEnded) {
            status = Failure.BAD_REQUEST.status();
            failure = Failure.BAD_REQUEST;
        }
        end();
        if (io.netty.handler.codec.http2.Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
            ctx.close();
        }
    }

    // ---- the request ---------------------------------------------------------------------------

    private void onRequest(Http2HeadersFrame frame) {
        exchangeOpen = true;
        startNanos = System.nanoTime();
        request = frame.headers();
        requestEnded = frame.isEndStream();
        String malformed = Http2Downgrade.validate(request);
        if (malformed != null) {
            reset(Http2Error.PROTOCOL_ERROR, Failure.BAD_REQUEST);
            return;
        }
        headRequest = AsciiString.contentEquals(request.method(), HEAD);
        idempotent = isIdempotent(request.method());
        authority = Http2Downgrade.authority(request);
        hostLength = authority == null ? -1 : normalize(authority, host);
        if (hostLength < 0) {
            respond(Failure.BAD_REQUEST.status(), Failure.BAD_REQUEST, false);
            return;
        }
        CharSequence hostField = Http2Downgrade.hostBesideAuthority(request);
        if (hostField != null) {
            byte[] other = new byte[HostName.MAX_LENGTH + 2];
            int n = normalize(hostField, other);
            if (n != hostLength || !java.util.Arrays.equals(other, 0, n, host, 0, n)) {
                reset(Http2Error.PROTOCOL_ERROR, Failure.BAD_REQUEST); // RFC 9113 §8.3.1: Host must agree with :authority
                return;
            }
        }
        expectedLength = Http2Downgrade.contentLength(request);
        if (requestEnded && expectedLength > 0) {
            reset(Http2Error.PROTOCOL_ERROR, Failure.BAD_REQUEST); // RFC 9113 §8.1.1: content-length without the data
            return;
        }
        chunked = !requestEnded && expectedLength < 0;
        bodyless = requestEnded;
        if (certificate != null && host[0] != '[' && !ClientConnection.isIpv4Literal(host, hostLength)
                && !certificate.covers(host, hostLength)) {
            respond(Failure.MISDIRECTED.status(), Failure.MISDIRECTED, false);
            return;
        }
        preview = isPreview();
        dispatch(shared.router.current());
    }

    private static boolean isIdempotent(CharSequence m) {
        for (String i : new String[] {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
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
        routedBy = snapshot;
        revision = snapshot.revision();
        long resolved = snapshot.resolve(host, hostLength);
        if (resolved != RoutingSnapshot.NOT_FOUND) {
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
        if (Http2Downgrade.viaNames(request, shared.instance)) {
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
        if (loop.held.size() >= ClientConnection.MAX_HELD_PER_LOOP) {
            notifyStarted();
            respond(503, null, true);
            return;
        }
        notifyStarted();
        state = HELD;
        loop.held.add(heldNode);
        holdTimer = ctx.executor().schedule(this::holdTimedOut, shared.settings.holdTimeoutMillis(), TimeUnit.MILLISECONDS);
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
        ctx.flush();
    }

    private void unpark() {
        loop.held.remove(heldNode);
        if (holdTimer != null) {
            holdTimer.cancel(false);
            holdTimer = null;
        }
    }

    private void holdTimedOut() {
        holdTimer = null;
        if (state == HELD) {
            unpark();
            respond(503, null, true);
        }
    }

    // ---- the request body ----------------------------------------------------------------------

    private void onData(Http2DataFrame frame) {
        ByteBuf content = frame.content();
        int n = content.readableBytes();
        boolean end = frame.isEndStream();
        received += n;
        if (expectedLength >= 0 && (received > expectedLength || (end && received != expectedLength))) {
            content.release();
            if (state != DONE) {
                abandonOrigin();
                reset(Http2Error.PROTOCOL_ERROR, Failure.BAD_REQUEST); // RFC 9113 §8.1.1
            }
            return;
        }
        bytesIn += n;
        lastProgress = System.nanoTime();
        if (n > 0 && (state == WAIT_ORIGIN || state == HELD)) {
            pending.add(content); // at most one flow-control window: nothing more is read meanwhile
        } else if (n > 0 && state == BODY) {
            forward(content);
        } else {
            content.release();
        }
        if (end) {
            onRequestEnd();
        }
    }

    private void onRequestEnd() {
        requestEnded = true;
        if (state == BODY) {
            endRequestBody();
        }
    }

    private void forward(ByteBuf data) {
        if (chunked) {
            ByteBuf size = ctx.alloc().buffer(10);
            ByteBufUtil.writeAscii(size, Integer.toHexString(data.readableBytes()));
            size.writeBytes(CRLF);
            origin.write(size);
            origin.write(data);
            origin.write(ctx.alloc().buffer(2).writeBytes(CRLF));
        } else {
            origin.write(data);
        }
    }

    private void endRequestBody() {
        if (chunked) {
            origin.write(ctx.alloc().buffer(LAST_CHUNK.length).writeBytes(LAST_CHUNK));
        }
        origin.flush();
        requestSent = true;
        if (!responseStarted) {
            state = WAIT_RESPONSE;
            if (responseTimer == null) {
                responseTimer = ctx.executor().schedule(this::responseTimedOut,
                        shared.settings.upstreamResponseTimeoutMillis(), TimeUnit.MILLISECONDS);
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
        ByteBuf head = ctx.alloc().directBuffer(512);
        Http2Downgrade.writeRequest(request, head, clientAddress, shared.proto, trustedPeer, shared.instance, sentHost,
                chunked, bodyless);
        o.write(head);
        state = BODY;
        lastProgress = System.nanoTime();
        if (stallTimer == null) {
            stallTimer = ctx.executor().schedule(this::checkStall, shared.settings.idleTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
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
        readIfWanted();
    }

    @Override
    public void originFailed(Failure f, boolean started, boolean retryable) {
        origin = null;
        cancelResponseTimer();
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
    public void sendResponseHead(HttpHead head, boolean closing, boolean upgrade) {
        int code = head.status();
        Http2Headers headers = Http2Downgrade.responseHeaders(head);
        if (code < 200) {
            if (code != 101) {
                ctx.write(new DefaultHttp2HeadersFrame(headers, false), ctx.voidPromise()); // 100, 103
            }
            return;
        }
        responseRemaining = headRequest || code == 204 || code == 304 ? 0 : head.chunked() ? -1 : head.contentLength();
        if (head.chunked() && responseRemaining != 0) {
            responseChunks = new ChunkedDecoder();
        }
        boolean end = responseRemaining == 0;
        bytesOut += head.length();
        ctx.write(new DefaultHttp2HeadersFrame(headers, end), ctx.voidPromise());
        responseEnded = end;
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
        ctx.write(new DefaultHttp2DataFrame(piece, end), ctx.voidPromise());
        responseEnded = end;
    }

    @Override
    public void flushResponse() {
        ctx.flush();
    }

    @Override
    public boolean clientWritable() {
        return ctx.channel().isWritable();
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
        return false; // HTTP/2 has no Upgrade; WebSockets over HTTP/2 (RFC 8441) are not offered
    }

    @Override
    public boolean closesAfterResponse() {
        return false; // the stream ends; the connection goes on
    }

    @Override
    public void responseStarted(int responseStatus) {
        status = responseStatus;
        responseStarted = true;
        cancelResponseTimer();
    }

    @Override
    public void responseComplete() {
        origin = null;
        if (!responseEnded) {
            ctx.write(new DefaultHttp2DataFrame(true), ctx.voidPromise());
            responseEnded = true;
        }
        ctx.flush();
        finishExchange();
        state = DONE;
        if (!requestEnded) {
            // RFC 9113 §8.1: the response is complete; the client may stop sending its body
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            ctx.close();
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

    @Override
    public void originWritable() {
        if (state == BODY) {
            readIfWanted();
        }
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
        if (headRequest) {
            ctx.write(new DefaultHttp2HeadersFrame(headers, true), ctx.voidPromise());
        } else {
            bytesOut += body.readableBytes();
            ctx.write(new DefaultHttp2HeadersFrame(headers, false), ctx.voidPromise());
            ctx.write(new DefaultHttp2DataFrame(body, true), ctx.voidPromise());
        }
        responseEnded = true;
        if (!requestEnded) {
            ctx.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR), ctx.voidPromise());
        }
        ctx.flush();
        finishExchange();
        state = DONE;
        releasePending();
        if (!requestEnded) {
            ctx.close(); // the rest of the body is not wanted: drop what the stream still holds
        }
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
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(error));
        ctx.close();
    }

    private void abandonOrigin() {
        cancelResponseTimer();
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
        cancelResponseTimer();
        if (stallTimer != null) {
            stallTimer.cancel(false);
            stallTimer = null;
        }
        if (exchangeOpen) {
            exchangeOpen = false;
            shared.exchanges.completed(this, System.nanoTime());
        }
    }

    /**
     * {@code timeouts.idle} for one stream: an upload that stopped, or a response the client
     * stopped reading (its window stays shut), ends the stream and frees the origin connection.
     * Waiting for the origin is {@code timeouts.upstream_response}'s business.
     */
    private void checkStall() {
        stallTimer = null;
        if (state == DONE || !exchangeOpen) {
            return;
        }
        boolean moving = (state == BODY && !requestEnded) || (responseStarted && !responseEnded);
        long idle = TimeUnit.MILLISECONDS.toNanos(shared.settings.idleTimeoutMillis());
        long quiet = System.nanoTime() - lastProgress;
        if (moving && quiet >= idle) {
            abandonOrigin();
            status = responseStarted ? status : 408;
            end();
            ctx.close(); // RST_STREAM(CANCEL)
            return;
        }
        stallTimer = ctx.executor().schedule(this::checkStall, Math.max(1, idle - (moving ? quiet : 0)),
                TimeUnit.NANOSECONDS);
    }

    private void cancelResponseTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }

    /** {@code timeouts.upstream_response}: no response head in time after the request was sent. */
    private void responseTimedOut() {
        responseTimer = null;
        if (responseStarted || origin == null || state == DONE) {
            return;
        }
        abandonOrigin();
        respond(Failure.RESPONSE_TIMEOUT.status(), Failure.RESPONSE_TIMEOUT, false);
    }

    // ---- drain barrier (which revision and site routed it: RoutedExchange) ----------------------

    @Override
    public void abort() {
        abandonOrigin();
        ctx.close(); // RST_STREAM(CANCEL)
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
        return request == null || request.method() == null ? null : request.method().toString();
    }

    @Override
    public String target() {
        return request == null || request.path() == null ? null : request.path().toString();
    }

}

package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;
import io.predictor.core.http.BodyFramer;
import io.predictor.core.http.ByteText;
import io.predictor.core.http.Failure;
import io.predictor.core.http.HeadParser;
import io.predictor.core.http.HeadPool;
import io.predictor.core.http.HeadWriter;
import io.predictor.core.http.HttpHead;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.tls.ServerCertificate;
import io.predictor.core.upstream.ClientEndpoints;
import io.predictor.core.upstream.Cumulation;
import io.predictor.core.upstream.Exchange;
import io.predictor.core.upstream.OriginConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the relay, one per client connection: reads each request head, routes it
 * by its Host through the current snapshot, answers maintenance itself, and otherwise hands the
 * head (with the forwarding edits of SPEC §6) and then the body to an origin connection of the
 * right pool on this event loop. One exchange at a time: pipelined requests wait, unread, until
 * the response before them is complete, which answers them in order and bounds memory.
 *
 * <p>{@code AUTO_READ} is off, and reads are asked for explicitly (backpressure, as in Netty's
 * HexDumpProxy): while a head is awaited, while the origin can take more body bytes, and — so
 * that the read interest stays armed from one request to the next instead of costing two
 * {@code epoll_ctl} calls per request — while the response is awaited, up to
 * {@link #READ_AHEAD_LIMIT} bytes of whatever the client sends next (a pipelined request, or
 * the end of the connection). Past that the client waits, unread, in the kernel.
 *
 * <p>A client that half-closes (FIN after its request: {@code shutdown(SHUT_WR)}) on a cleartext
 * listener ({@code ALLOW_HALF_CLOSURE}) still gets the answers to the requests it sent whole,
 * then the connection closes — HAProxy's behaviour without {@code option abortonclose}. A FIN in
 * the middle of a head or a body, or in a tunnel, ends the connection at once, as before.
 *
 * <p>Timeouts ({@code timeouts.request_headers}, {@code timeouts.upstream_response},
 * {@code timeouts.idle}) are deadlines in fields, watched by one {@link DeadlineTimer} per
 * connection; {@code timeouts.hold} has its own task (parking is rare).
 *
 * <p>Pipeline: {@code limit} ({@link ConnectionLimiter}) → {@code client} (this).
 */
final class ClientConnection extends RoutedExchange implements Exchange, HeldExchange, Drainable {

    private static final int HEAD = 0;
    private static final int WAIT_ORIGIN = 1;
    private static final int BODY = 2;
    private static final int WAIT_RESPONSE = 3;
    private static final int TUNNEL = 4;
    private static final int CLOSING = 5;
    private static final int HELD = 6;

    /** Bytes read ahead while a response is awaited; more stays in the kernel until it is wanted. */
    static final int READ_AHEAD_LIMIT = 16 * 1024;

    /**
     * A lingering close (see {@link #closeAfter}) lasts at most this long in all, and ends after
     * this long without a byte from the client: nginx's {@code lingering_time} and
     * {@code lingering_timeout}.
     */
    static final long LINGER_TOTAL_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final long LINGER_QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final byte[] METHOD_HEAD = "HEAD".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] METHOD_CONNECT = "CONNECT".getBytes(StandardCharsets.US_ASCII);

    private final HeadParser parser;
    /**
     * The request head, borrowed from the loop's {@link HeadPool} from its parse to the end of
     * its exchange ({@link #finishExchange}); null between exchanges, so that an idle kept-alive
     * connection holds none. Outside the data plane (unit tests) the connection keeps one of its own.
     */
    private HttpHead head;
    private HeadPool heads;
    private final BodyFramer requestBody = new BodyFramer();
    /** Views for the listeners (the access log): the exchange's host, method and target, uncopied. */
    private final ByteText hostText = new ByteText();
    private final ByteText methodText = new ByteText();
    private final ByteText targetText = new ByteText();
    private final Runnable resume = this::resume;
    private final long headTimeoutNanos;
    private final long responseTimeoutNanos;
    private final long idleTimeoutNanos;

    private final ConnectionList.Node<InflightExchange> inflightNode = new ConnectionList.Node<>(this);
    private final ConnectionList.Node<HeldExchange> heldNode = new ConnectionList.Node<>(this);
    private final Runnable holdTimeout = this::holdTimedOut;

    private ChannelHandlerContext ctx;
    private LoopState loop;
    private ClientEndpoints endpoints;
    /** The certificate of a TLS connection (421 when a request names a site it does not cover), or null. */
    private ServerCertificate certificate;
    private byte[] clientAddress;
    private boolean trustedPeer;
    private ByteBuf in;
    private int state = HEAD;
    private boolean processing;

    // the exchange in progress
    private OriginConnection origin;
    /** An absolute-form target's authority in the head (it replaces Host), or -1. */
    private int authorityStart;
    private int authorityEnd;
    private boolean exchangeOpen;
    /** Whether {@link #head} holds this exchange's request (false when it was refused unparsed). */
    private boolean headValid;
    private boolean closeAfterResponse;
    /** The request is HTTP/1.0: no interim response and no Transfer-Encoding goes back to it. */
    private boolean http10;
    /**
     * Something was written to the client since the last flush. A flush with nothing to send is
     * not free on TLS: SslHandler wraps an empty buffer (two promises, an output buffer, a call
     * into the engine) — and the client's read-complete flushed that way on every request.
     */
    private boolean unflushed;
    /** The client sent FIN: nothing more will come; close once the requests it sent are answered. */
    private boolean inputEnded;
    private boolean upgrade;
    private boolean headRequest;
    private boolean bodyless;
    private boolean retried;
    /** GET, HEAD, OPTIONS, TRACE, PUT or DELETE: may be sent again when nothing came back. */
    private boolean idempotent;
    private int originIndex = -1;
    private boolean responseStarted;
    private DeadlineTimer timer;
    private boolean headArmed;
    private long headDeadline;
    private boolean responseArmed;
    private long responseDeadline;
    /** Last read from or flush to the client; {@code timeouts.idle} counts from it. */
    private long lastActivity;
    /** Closing, but still reading the client's bytes away (a lingering close), until {@link #lingerEnd}. */
    private boolean lingering;
    private long lingerEnd;
    private Future<?> holdTimer;
    private boolean preview;
    private boolean startedNotified;

    ClientConnection(FrontendContext shared) {
        super(shared);
        ProxySettings s = shared.settings;
        this.parser = new HeadParser(s.maxHeaderSize(), s.maxHeaders(), s.maxRequestLine());
        this.headTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(s.requestHeadersTimeoutMillis());
        this.responseTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(s.upstreamResponseTimeoutMillis());
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(s.idleTimeoutMillis());
    }

    // ---- connection life ------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
    }

    /**
     * Starts serving the connection: on {@code channelActive}, or right after it was added to a
     * connection that is active already (HTTP/1.1 chosen by ALPN after a TLS handshake).
     */
    void start() {
        Channel ch = ctx.channel();
        endpoints = ClientEndpoints.of(ch);
        certificate = ch.attr(ServerCertificate.CHANNEL_ATTRIBUTE).get();
        InetSocketAddress client = endpoints.client();
        InetAddress peer = client == null ? null : client.getAddress();
        clientAddressText = peer == null ? "unknown" : peer.getHostAddress();
        clientAddress = clientAddressText.getBytes(StandardCharsets.US_ASCII);
        trustedPeer = peer != null && shared.listener.trustedProxies().test(peer);
        loop = shared.loops.get(ch.eventLoop()); // null only for a channel outside the data plane (unit tests)
        heads = loop == null ? null : loop.heads;
        timer = new DeadlineTimer(ctx.executor(), this::deadlineReached);
        lastActivity = System.nanoTime();
        // from now on a wake-up is always pending, no later than the idle deadline (which only moves later)
        timer.wakeBy(lastActivity + idleTimeoutNanos, lastActivity);
        armHeadTimer();
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        if (state == CLOSING) {
            buf.release();
            return;
        }
        in = Cumulation.append(ctx.alloc(), in, buf);
        process();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastActivity = System.nanoTime();
        if (origin != null) {
            origin.flush();
        }
        flushClient();
        readIfWanted();
    }

    private void readIfWanted() {
        if (inputEnded) {
            return;
        }
        switch (state) {
            case HEAD:
                if (ctx.channel().isWritable()) {
                    ctx.read(); // else the next requests stay in the kernel until the client reads its answers
                }
                break;
            case BODY:
            case TUNNEL:
                if (origin != null && origin.isWritable()) {
                    ctx.read();
                }
                break;
            case WAIT_ORIGIN:
            case WAIT_RESPONSE:
                if (in == null || in.readableBytes() < READ_AHEAD_LIMIT) {
                    ctx.read();
                }
                break;
            case CLOSING:
                if (lingering) {
                    ctx.read(); // read away what the client still sends
                }
                break;
            default:
                // HELD reads nothing
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            return;
        }
        if (origin != null) {
            origin.clientWritable();
        } else if (state == HEAD) {
            // the client took its earlier answers: the pipelined requests it sent meanwhile are served now
            if (!headArmed) {
                armHeadTimer();
            }
            resume();
        }
    }

    @Override
    public void originWritable() {
        if (state == BODY || state == TUNNEL) {
            process();
            readIfWanted();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimers();
        if (timer != null) {
            timer.cancel();
        }
        if (heldNode.linked()) {
            unpark();
        }
        releaseOrigin();
        if (exchangeOpen) {
            if (!responseStarted || status == 0) {
                status = 499;
            }
            finishExchange();
        }
        state = CLOSING;
        returnHead();
        in = Cumulation.release(in);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            endOfInput();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The client's FIN, after its bytes were processed: a request sent whole and awaiting its
     * answer is still served (then {@link #closeIfInputEnded}); anything else is cut short.
     */
    private void endOfInput() {
        switch (state) {
            case WAIT_ORIGIN:
            case WAIT_RESPONSE:
            case HELD:
                break; // answered, then closed
            case CLOSING:
                if (lingering) {
                    ctx.close(); // the client sent all it had: a plain close now
                }
                break; // else already on its way out
            case HEAD:
                closeNow(); // nothing in flight; a partial head can never complete
                break;
            default:
                ctx.close(); // a body cut short or a tunnel: the exchange is abandoned (499)
        }
    }

    /**
     * Back at a request boundary after the client's FIN (a response finished, or the proxy
     * answered itself): serve a request pipelined before the FIN, or close.
     */
    private void closeIfInputEnded() {
        if (in != null && in.isReadable()) {
            scheduleResume(); // a pipelined request came before the FIN
        } else {
            closeNow();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and broken pipes from clients are expected; closing is the whole answer
        ctx.close();
    }

    // ---- reading requests -----------------------------------------------------------------

    private void process() {
        if (processing) {
            return;
        }
        processing = true;
        try {
            while (in != null && in.isReadable()) {
                boolean more;
                switch (state) {
                    case HEAD:
                        if (!ctx.channel().isWritable()) {
                            // answers are still queued for a client that is not reading them: a
                            // pipelined request waits for them to drain, or every one it sent would
                            // be answered into memory (~8 KB of buffer for 40 bytes of request).
                            // Meanwhile timeouts.idle applies, not the head timeout: the head is here.
                            cancelHeadTimer();
                            more = false;
                            break;
                        }
                        more = readHead();
                        break;
                    case BODY:
                        more = forwardBody();
                        break;
                    case TUNNEL:
                        more = forwardTunnel();
                        break;
                    default:
                        more = false; // bytes wait until the current exchange is done
                }
                if (!more) {
                    break;
                }
            }
            in = Cumulation.compact(in);
        } finally {
            processing = false;
        }
    }

    /** Runs deferred work (a pipelined request) outside the callback that made it possible. */
    private void resume() {
        if (state == CLOSING) {
            return;
        }
        process();
        if (origin != null) {
            origin.flush();
        }
        flushClient();
        if (inputEnded && state == HEAD && ctx.channel().isWritable()) {
            closeNow(); // what is left is not a whole request, and nothing more will come
            return;
        }
        readIfWanted();
    }

    private boolean readHead() {
        if (head == null) {
            head = heads != null ? heads.acquire() : parser.newHead();
        }
        int r = parser.parseRequest(in, head);
        if (r == HeadParser.NEED_MORE) {
            returnHead(); // a partial head stays in the read buffer: nothing was copied yet
            return false;
        }
        beginExchange();
        headValid = r > 0;
        if (r < 0) {
            refuse(Failure.ofParserStatus(-r), true);
            return false;
        }
        cancelHeadTimer();
        in.skipBytes(r);
        bytesIn = r;
        if (head.methodIs(METHOD_CONNECT)) {
            refuse(Failure.NOT_IMPLEMENTED, true);
            return false;
        }
        hostLength = routingHost();
        if (hostLength < 0) {
            refuse(Failure.BAD_REQUEST, true);
            return false;
        }
        boolean misdirected = certificate != null && hostLength > 0 && host[0] != '['
                && !isIpv4Literal(host, hostLength) && !certificate.covers(host, hostLength);
        preview = isPreview();
        headRequest = head.methodIs(METHOD_HEAD);
        idempotent = head.isIdempotent();
        upgrade = head.isWebSocketUpgrade();
        http10 = !head.isHttp11();
        closeAfterResponse = !head.keepAlive() || http10 || shared.drain.draining();
        if (head.chunked()) {
            requestBody.expectChunked();
        } else {
            requestBody.expectLength(Math.max(0, head.contentLength()));
        }
        bodyless = requestBody.isDone();
        if (misdirected) {
            // RFC 9110 §15.5.20: the client may retry on a connection whose certificate covers the name
            refuse(Failure.MISDIRECTED, mustClose());
            return state == HEAD;
        }
        return dispatch(shared.router.current());
    }

    /**
     * Routes the request just read by {@code snapshot} and acts on the route. Returns whether
     * processing may go on with the next bytes now.
     */
    private boolean dispatch(RoutingSnapshot snapshot) {
        boolean again = routedBy != null; // a held request going on: counted in its group's traffic once
        routedBy = snapshot;
        revision = snapshot.revision();
        long resolved = hostLength == 0 ? RoutingSnapshot.NOT_FOUND : snapshot.resolve(host, hostLength);
        if (resolved != RoutingSnapshot.NOT_FOUND && loop != null && !again) {
            loop.traffic.count(snapshot.base(), RoutingSnapshot.groupOf(resolved), startNanos);
        }
        if (preview) {
            route = Route.LOCAL; // the customer's migration test: the new side, whatever the state
        } else {
            SiteState siteState = resolved == RoutingSnapshot.NOT_FOUND ? null : RoutingSnapshot.stateOf(resolved);
            route = (siteState == null ? snapshot.defaultState() : siteState).route();
        }
        if (route == Route.HOLD) {
            return park();
        }
        if (!startedNotified) {
            startedNotified = true;
            shared.exchanges.started(this);
        }
        if (!route.isForwarded()) {
            boolean closing = mustClose();
            respond(shared.responses.maintenance(closing), 503, null, closing);
            return state == HEAD;
        }
        if (HeadWriter.loops(head, shared.instance, shared.routeNames[route.ordinal()])) {
            refuse(Failure.LOOP, mustClose());
            return state == HEAD;
        }
        loop().inflight.add(inflightNode);
        state = WAIT_ORIGIN;
        loop().pools[route.ordinal()].acquire(this, false);
        return state != WAIT_ORIGIN;
    }

    /** Whether a normalised host is a dotted IPv4 literal (it names no site: no certificate check). */
    static boolean isIpv4Literal(byte[] h, int len) {
        for (int i = 0; i < len; i++) {
            if ((h[i] < '0' || h[i] > '9') && h[i] != '.') {
                return false;
            }
        }
        return true;
    }

    private LoopState loop() {
        if (loop == null) {
            loop = shared.loops.get(ctx.channel().eventLoop());
            if (loop == null) {
                throw new IllegalStateException("channel is not on one of the data plane's event loops");
            }
        }
        return loop;
    }

    /** {@code <site><preview_suffix>}: strips the suffix from the routing host (SPEC §5 preview routing). */
    private boolean isPreview() {
        byte[] suffix = shared.previewSuffix;
        if (suffix == null || hostLength <= suffix.length) {
            return false;
        }
        int off = hostLength - suffix.length;
        for (int i = 0; i < suffix.length; i++) {
            if (host[off + i] != suffix[i]) {
                return false;
            }
        }
        hostLength = off;
        return true;
    }

    // ---- hold: a short cut-over costs a pause, not an error ---------------------------------

    /** Parks the request until the site's next state or {@code timeouts.hold}; reads nothing meanwhile. */
    private boolean park() {
        LoopState l = loop();
        if (!l.mayPark()) {
            boolean closing = mustClose();
            respond(shared.responses.maintenance(closing), 503, null, closing);
            return state == HEAD;
        }
        if (!startedNotified) {
            startedNotified = true;
            shared.exchanges.started(this);
        }
        state = HELD;
        l.held.add(heldNode);
        if (holdTimer == null) {
            holdTimer = ctx.executor().schedule(holdTimeout, shared.settings.holdTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        return false;
    }

    /** The table changed: a parked request goes on if its site left {@code hold}. Runs on this loop. */
    @Override
    public void reroute() {
        if (state != HELD) {
            return;
        }
        RoutingSnapshot snapshot = shared.router.current();
        SiteState s = hostLength == 0 ? null : snapshot.stateOf(host, hostLength);
        if ((s == null ? snapshot.defaultState() : s) == SiteState.HOLD) {
            return;
        }
        unpark();
        state = HEAD; // dispatch sets the state the request is in now
        dispatch(snapshot);
        flushClient();
        scheduleResume();
    }

    private void unpark() {
        loop().held.remove(heldNode);
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
    }

    /** {@code timeouts.hold}: the site did not leave hold in time. */
    private void holdTimedOut() {
        holdTimer = null;
        if (state != HELD) {
            return;
        }
        unpark();
        boolean closing = mustClose();
        respond(shared.responses.maintenance(closing), 503, null, closing);
        flushClient();
        if (state == HEAD) {
            scheduleResume();
        }
    }

    /**
     * Normalises the routing host into {@link #host}: the absolute-form target's authority wins
     * over Host (RFC 9112 §3.2.2). Returns its length, 0 for an HTTP/1.0 request without any
     * (default route), or -1 when it is invalid.
     */
    private int routingHost() {
        byte[] b = head.bytes();
        int t = head.targetStart();
        int te = head.targetEnd();
        if (te - t > 7 && (b[t] | 0x20) == 'h' && (b[t + 1] | 0x20) == 't' && (b[t + 2] | 0x20) == 't'
                && (b[t + 3] | 0x20) == 'p') {
            int p = t + 4;
            if ((b[p] | 0x20) == 's') {
                p++;
            }
            if (p + 3 <= te && b[p] == ':' && b[p + 1] == '/' && b[p + 2] == '/') {
                int as = p + 3;
                int ae = as;
                while (ae < te && b[ae] != '/' && b[ae] != '?' && b[ae] != '#') {
                    ae++;
                }
                for (int i = as; i < ae; i++) {
                    if (b[i] == '@') {
                        return -1; // userinfo in a request target is not allowed (RFC 9110 §4.2.4)
                    }
                }
                authorityStart = as;
                authorityEnd = ae;
                return ae == as ? -1 : HostName.normalize(b, as, ae - as, host);
            }
        }
        if (b[t] != '/' && !(te - t == 1 && b[t] == '*')) {
            // an absolute URI of another scheme (foo://other.example/): an origin such as nginx
            // serves the site it names, not the Host this would be routed by (found by review)
            return -1;
        }
        int hs = head.hostValueStart();
        if (hs < 0) {
            return 0;
        }
        return HostName.normalize(b, hs, head.hostValueEnd() - hs, host);
    }

    private boolean forwardBody() {
        int n = requestBody.scan(in);
        if (requestBody.failed()) {
            // invalid chunked framing: the origin has a partial request, it cannot be reused
            abandonOrigin();
            if (responseStarted) {
                closeNow();
            } else {
                refuse(Failure.BAD_REQUEST, true);
            }
            return false;
        }
        if (n > 0) {
            origin.write(in.retainedSlice(in.readerIndex(), n));
            in.skipBytes(n);
            bytesIn += n;
        }
        if (requestBody.isDone()) {
            requestSent();
            return true;
        }
        return origin.isWritable();
    }

    private boolean forwardTunnel() {
        int n = in.readableBytes();
        origin.write(in.retainedSlice());
        in.skipBytes(n);
        bytesIn += n;
        return origin.isWritable();
    }

    private void requestSent() {
        state = WAIT_RESPONSE; // pipelined bytes now wait until the response is complete
        if (!responseStarted && !responseArmed) {
            long now = System.nanoTime();
            responseArmed = true;
            responseDeadline = now + responseTimeoutNanos;
            timer.wakeBy(responseDeadline, now);
        }
    }

    // ---- the origin side's callbacks (Exchange) -------------------------------------------

    @Override
    public void sendResponseHead(HttpHead h, boolean closing, boolean upgradeResponse) {
        if (http10 && h.status() < 200) {
            return; // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client, which takes it for the answer (found by review)
        }
        writeResponse(h, closing, upgradeResponse, Unpooled.EMPTY_BUFFER, 0);
    }

    @Override
    public boolean refusesTransferEncoding(HttpHead response) {
        return http10 && (response.chunked() || response.hasTransferCoding());
    }

    @Override
    public void sendResponse(HttpHead h, boolean closing, ByteBuf body, int length) {
        writeResponse(h, closing, false, body, length);
    }

    /** Writes the head and then {@code length} bytes of {@code body} (from its reader index) in one buffer. */
    private void writeResponse(HttpHead h, boolean closing, boolean upgradeResponse, ByteBuf body, int length) {
        if (closing) {
            // the head says "Connection: close"; for a body that ends at the origin's close it is
            // also the only end the client can see, so the connection must not stay open after it
            closeAfterResponse = true;
        }
        ByteBuf out = ctx.alloc().directBuffer(h.length() + 32 + length);
        HeadWriter.writeResponse(h, out, closing, upgradeResponse);
        out.writeBytes(body, body.readerIndex(), length);
        bytesOut += out.readableBytes();
        ctx.write(out, ctx.voidPromise());
        unflushed = true;
    }

    @Override
    public void sendResponseBody(ByteBuf data) {
        bytesOut += data.readableBytes();
        ctx.write(data, ctx.voidPromise());
        unflushed = true;
    }

    @Override
    public void flushResponse() {
        lastActivity = System.nanoTime();
        flushClient();
    }

    @Override
    public boolean clientWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public void originReady(OriginConnection o) {
        if (state != WAIT_ORIGIN || !ctx.channel().isActive()) {
            // the client went away while we connected, or a barrier's close=true cut it (its
            // channelInactive, which moves the state on, may not have run yet): nothing goes out
            o.abandon();
            return;
        }
        origin = o;
        originServer = o.serverName();
        originIndex = o.serverIndex();
        ByteBuf out = ctx.alloc().directBuffer(head.length() + HeadWriter.requestOverhead(clientAddress, shared.via[route.ordinal()]));
        // an absolute-form target goes out in origin-form: the origin sees one name, the Host
        int pathFrom = authorityStart >= 0 ? authorityEnd : -1;
        if (preview) {
            HeadWriter.writeRequest(head, out, clientAddress, shared.proto, trustedPeer, shared.via[route.ordinal()], upgrade,
                    host, 0, hostLength, pathFrom);
        } else if (authorityStart >= 0) {
            HeadWriter.writeRequest(head, out, clientAddress, shared.proto, trustedPeer, shared.via[route.ordinal()], upgrade,
                    head.bytes(), authorityStart, authorityEnd - authorityStart, pathFrom);
        } else {
            HeadWriter.writeRequest(head, out, clientAddress, shared.proto, trustedPeer, shared.via[route.ordinal()], upgrade,
                    null, 0, 0);
        }
        o.write(out);
        state = BODY;
        if (requestBody.isDone()) {
            requestSent();
        }
        o.read();
        if (!processing) {
            // connected asynchronously: forward what body bytes are already here, then read on
            process();
            o.flush();
            readIfWanted();
        } else {
            o.flush();
        }
    }

    @Override
    public void originFailed(Failure f, boolean started, boolean retryable) {
        origin = null;
        cancelResponseTimer();
        if (state == CLOSING) {
            return;
        }
        if (!started && retryable && bodyless && idempotent && !retried) {
            // nothing came back for a request that is safe to repeat (RFC 9110 §9.2.2) — typically
            // a kept-alive connection the origin closed just as we used it: once more, elsewhere
            retried = true;
            state = WAIT_ORIGIN;
            loop().pools[route.ordinal()].acquireForRetry(this, originIndex);
            return;
        }
        if (started) {
            failure = f;
            closeNow();
            return;
        }
        refuse(f, mustClose());
        scheduleResume();
    }

    @Override
    public boolean isHeadRequest() {
        return headRequest;
    }

    @Override
    public ClientEndpoints endpoints() {
        return endpoints;
    }

    @Override
    public boolean wantsUpgrade() {
        return upgrade;
    }

    @Override
    public boolean closesAfterResponse() {
        return closeAfterResponse || !requestBody.isDone() || shared.drain.draining();
    }

    @Override
    public void responseStarted(int responseStatus) {
        status = responseStatus;
        responseStarted = true;
        cancelResponseTimer();
        if (!requestBody.isDone()) {
            closeAfterResponse = true; // the origin answered early; the rest of the body is not wanted
        }
    }

    @Override
    public void responseComplete() {
        origin = null;
        if (state == TUNNEL || closesAfterResponse()) {
            finishExchange();
            closeNow();
            return;
        }
        finishExchange();
        state = HEAD;
        armHeadTimer();
        flushClient();
        if (inputEnded) {
            closeIfInputEnded();
        } else if (in != null && in.isReadable()) {
            scheduleResume(); // a pipelined request is waiting: served after this callback
        } else {
            readIfWanted(); // usually a no-op: the read stayed armed while the response came
        }
    }

    @Override
    public void tunnelOpened() {
        state = TUNNEL;
        scheduleResume();
    }

    @Override
    public boolean requestComplete() {
        return requestBody.isDone();
    }

    // ---- answering ------------------------------------------------------------------------

    /** Whether a response the proxy makes now must close the connection (unread body, HTTP/1.0, draining). */
    private boolean mustClose() {
        return closeAfterResponse || !requestBody.isDone() || shared.drain.draining();
    }

    private void refuse(Failure f, boolean closing) {
        respond(shared.responses.response(f.status(), closing), f.status(), f, closing);
    }

    /**
     * Sends a response the proxy made itself and ends the exchange; {@code closing} must match
     * the response's {@code Connection: close}.
     */
    private void respond(ByteBuf response, int code, Failure f, boolean closing) {
        status = code;
        failure = f;
        bytesOut += response.readableBytes();
        finishExchange();
        if (closing) {
            closeAfterWriting(response);
        } else {
            ctx.write(response, ctx.voidPromise());
            unflushed = true;
            state = HEAD;
            armHeadTimer();
            if (inputEnded) {
                closeIfInputEnded();
            }
        }
    }

    private void flushClient() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    private void closeNow() {
        closeAfterWriting(Unpooled.EMPTY_BUFFER);
    }

    /** Writes {@code last} with whatever is unflushed, and closes after it ({@link #closeAfter}). */
    private void closeAfterWriting(ByteBuf last) {
        boolean clientMaySend = clientMayStillSend();
        state = CLOSING;
        cancelTimers();
        unflushed = false;
        closeAfter(ctx.writeAndFlush(last), clientMaySend);
    }

    /** Whether bytes of the client's are unread or may still come: a body not read to its end, or more. */
    private boolean clientMayStillSend() {
        return !inputEnded && (!requestBody.isDone() || (in != null && in.isReadable()));
    }

    /**
     * Closes the connection once {@code written} is sent. Where the client may still be sending
     * (an answer before its whole body, as a 503 for a site in maintenance, or an origin's early
     * answer), closing with its bytes unread would make the kernel answer them with a reset, and
     * a client that gives up on a failed write (the JDK's HTTP client does) or that drops what it
     * received on a reset loses the answer. So, as nginx and HAProxy do, the proxy lingers: it
     * shuts its side (the client sees the end after the answer), reads what still arrives and
     * drops it, and closes at the client's end, after {@link #LINGER_QUIET_NANOS} without a byte,
     * or {@link #LINGER_TOTAL_NANOS} after it began.
     */
    private void closeAfter(ChannelFuture written, boolean linger) {
        if (!linger) {
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        written.addListener(f -> {
            if (f.isSuccess() && ctx.channel().isActive() && ctx.channel() instanceof DuplexChannel duplex) {
                startLingering(duplex);
            } else {
                ctx.close();
            }
        });
    }

    private void startLingering(DuplexChannel duplex) {
        lingering = true;
        in = Cumulation.release(in);
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close(); // the client is gone already
            }
        });
        long now = System.nanoTime();
        lingerEnd = now + LINGER_TOTAL_NANOS;
        lastActivity = now;
        timer.wakeBy(now + LINGER_QUIET_NANOS, now);
        ctx.read();
    }

    /** The timer woke while lingering: close when the quiet period or the whole linger is over. */
    private void lingerDeadline() {
        long now = System.nanoTime();
        long quietEnd = lastActivity + LINGER_QUIET_NANOS;
        if (now - lingerEnd >= 0 || now - quietEnd >= 0) {
            ctx.close();
            return;
        }
        timer.wakeBy(quietEnd - lingerEnd < 0 ? quietEnd : lingerEnd, now);
    }

    private void abandonOrigin() {
        if (origin != null) {
            OriginConnection o = origin;
            origin = null;
            o.abandon();
        }
    }

    /**
     * The exchange ends on the client side (the client left, or the proxy gave up waiting): an
     * origin that has the whole request and has not answered may still be processing it, so it
     * goes on as an orphan the drain barrier counts ({@link OrphanedExchange}); else it is abandoned.
     */
    private void releaseOrigin() {
        if (exchangeOpen && OrphanedExchange.wanted(this, origin, requestBody.isDone(), responseStarted)) {
            OriginConnection o = origin;
            origin = null;
            OrphanedExchange.adopt(this, o, loop(), ctx.executor(),
                    TimeUnit.NANOSECONDS.toMillis(responseTimeoutNanos));
        } else {
            abandonOrigin();
        }
    }

    private void scheduleResume() {
        ctx.executor().execute(resume);
    }

    private void beginExchange() {
        exchangeOpen = true;
        startNanos = System.nanoTime();
        route = null;
        status = 0;
        failure = null;
        originServer = null;
        bytesIn = 0;
        bytesOut = 0;
        responseStarted = false;
        retried = false;
        closeAfterResponse = false;
        upgrade = false;
        headRequest = false;
        revision = 0;
        hostLength = 0;
        routedBy = null;
        preview = false;
        startedNotified = false;
        authorityStart = -1;
        authorityEnd = -1;
        headValid = false;
    }

    private void finishExchange() {
        if (inflightNode.linked()) {
            loop.inflight.remove(inflightNode);
        }
        if (exchangeOpen) {
            exchangeOpen = false;
            cancelResponseTimer();
            shared.exchanges.completed(this, System.nanoTime()); // the access log reads the head here
        }
        returnHead();
    }

    /** Gives the request head back to the loop's pool: from here on nothing reads it (headValid is false). */
    private void returnHead() {
        headValid = false;
        if (head != null && heads != null) {
            HttpHead h = head;
            head = null;
            heads.release(h);
        }
    }

    // ---- timers ---------------------------------------------------------------------------

    private void armHeadTimer() {
        long now = System.nanoTime();
        headArmed = true;
        headDeadline = now + headTimeoutNanos;
        if (timer != null) {
            timer.wakeBy(headDeadline, now);
        }
    }

    private void cancelHeadTimer() {
        headArmed = false;
    }

    private void cancelResponseTimer() {
        responseArmed = false;
    }

    private void cancelTimers() {
        cancelHeadTimer();
        cancelResponseTimer();
    }

    /**
     * The {@link DeadlineTimer} woke: act on what has expired, then ask to be woken by the next
     * deadline. {@code timeouts.idle} — nothing read from or flushed to the client for that long
     * — closes an idle kept-alive connection or tunnel, and an exchange that stalled (an upload
     * that stopped, a response the client stopped reading). Waiting for an origin's answer is
     * {@code timeouts.upstream_response}'s business, and a held request has {@code timeouts.hold}:
     * in those states the idle check looks again one idle period later, as Netty's
     * {@code IdleStateHandler} would.
     */
    private void deadlineReached() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (state == CLOSING) {
            if (lingering) {
                lingerDeadline();
            } else if (now - lastActivity >= idleTimeoutNanos) {
                ctx.close(); // the last bytes were never taken: a client that stopped reading
            } else {
                timer.wakeBy(lastActivity + idleTimeoutNanos, now); // the close waits for the write, not for ever
            }
            return;
        }
        if (headArmed && now - headDeadline >= 0) {
            headArmed = false;
            if (state == HEAD) {
                headTimedOut();
                return;
            }
        }
        if (responseArmed && now - responseDeadline >= 0) {
            responseArmed = false;
            responseTimedOut();
            if (state == CLOSING) {
                return;
            }
        }
        if (now - lastActivity >= idleTimeoutNanos) {
            boolean waitingForOrigin = state == WAIT_ORIGIN || (state == WAIT_RESPONSE && !responseStarted);
            if (state != HELD && !waitingForOrigin) {
                abandonOrigin();
                state = CLOSING;
                cancelTimers();
                ctx.close();
                return;
            }
            lastActivity = now;
        }
        long next = lastActivity + idleTimeoutNanos;
        if (headArmed && headDeadline - next < 0) {
            next = headDeadline;
        }
        if (responseArmed && responseDeadline - next < 0) {
            next = responseDeadline;
        }
        timer.wakeBy(next, now);
    }

    /** {@code timeouts.request_headers}: a head that has not fully arrived in time (slowloris). */
    private void headTimedOut() {
        if (state != HEAD) {
            return;
        }
        if (in != null && in.isReadable()) {
            beginExchange();
            headValid = false;
            refuse(Failure.REQUEST_HEADERS_TIMEOUT, true);
        } else {
            ctx.close(); // an idle kept-alive connection: close quietly, as nginx and HAProxy do
        }
    }

    /** {@code timeouts.upstream_response}: no response head in time after the request was sent. */
    private void responseTimedOut() {
        if (responseStarted || origin == null) {
            return;
        }
        releaseOrigin(); // an orphan: the origin may still be working on it
        refuse(Failure.RESPONSE_TIMEOUT, mustClose());
        scheduleResume();
    }

    /** Called by the server when it starts draining: an idle connection closes now. */
    @Override
    public void drain() {
        closeIfIdle();
    }

    /**
     * Idle: waiting for a request with no byte of one read (a partial head is a request on its
     * way). The close comes after what is still being written: the end of the last response can
     * sit in the outbound buffer after its exchange is over (a plain close would cut it off).
     */
    @Override
    public boolean closeIfIdle() {
        if (state == HEAD && (in == null || !in.isReadable()) && ctx.channel().isOpen()) {
            closeNow();
            return true;
        }
        return false;
    }

    // ---- drain barrier (which revision and site routed it: RoutedExchange) ----------------------

    @Override
    public void abort() {
        abandonOrigin();
        ctx.close();
    }

    // ---- ExchangeInfo -----------------------------------------------------------------------

    @Override
    public String host() {
        if (hostLength > 0) {
            return new String(host, 0, hostLength, StandardCharsets.ISO_8859_1);
        }
        return headValid ? head.host() : null;
    }

    @Override
    public String method() {
        return headValid ? head.method() : null;
    }

    @Override
    public CharSequence hostText() {
        if (hostLength > 0) {
            return hostText.set(host, 0, hostLength);
        }
        if (!headValid || head.hostValueStart() < 0) {
            return null;
        }
        return hostText.set(head.bytes(), head.hostValueStart(), head.hostValueEnd() - head.hostValueStart());
    }

    @Override
    public CharSequence methodText() {
        return headValid ? methodText.set(head.bytes(), 0, head.methodEnd()) : null;
    }

    @Override
    public CharSequence targetText() {
        return headValid ? targetText.set(head.bytes(), head.targetStart(), head.targetEnd() - head.targetStart()) : null;
    }

    @Override
    public String target() {
        return headValid ? head.target() : null;
    }

}

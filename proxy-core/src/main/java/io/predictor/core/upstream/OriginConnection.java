package io.predictor.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.predictor.core.http.BodyFramer;
import io.predictor.core.http.Failure;
import io.predictor.core.http.HeadParser;
import io.predictor.core.http.HeadPool;
import io.predictor.core.http.HttpHead;
import io.predictor.core.server.DeadlineTimer;
import io.predictor.core.server.ProxySettings;
import java.util.concurrent.TimeUnit;

/**
 * The origin side of the relay: one kept-alive connection to one origin server. It parses each
 * response head (strictly: an invalid response becomes a 502 and the connection is closed),
 * hands the head to the {@link Exchange} to send on, and relays the body as the same buffers,
 * cut exactly where the framing says the response ends. Reads happen only while
 * the client can take more ({@code AUTO_READ} off, as in Netty's HexDumpProxy).
 *
 * <p>{@code timeouts.idle} is a deadline watched by one {@link DeadlineTimer} per connection
 * (see there why not Netty's {@code IdleStateHandler}).
 *
 * <p>Pipeline: {@code origin} (this).
 */
public final class OriginConnection extends ChannelInboundHandlerAdapter {

    private static final int IDLE = 0;
    private static final int HEAD = 1;
    private static final int BODY = 2;
    private static final int TUNNEL = 3;
    /** A response body up to this size that came whole with its head goes out in the head's buffer. */
    static final int INLINE_BODY_MAX = 4096;

    private final OriginPool pool;
    private final HeadParser parser;
    /** Lends the head a response is parsed into, for as long as {@link #relayHead} runs. */
    private final HeadPool heads;
    private final BodyFramer body = new BodyFramer();
    private final long idleTimeoutNanos;
    private ChannelHandlerContext ctx;
    private DeadlineTimer timer;
    /** Last read from or flush to the origin; {@code timeouts.idle} counts from it. */
    private long lastActivity;
    /** Something was written since the last flush. */
    private boolean unflushed;
    private Exchange exchange;
    private ByteBuf in;
    private int state = IDLE;
    private int server;
    private boolean reused;
    private boolean responseStarted;
    private boolean receivedAny;
    /** The last response head was HTTP/1.1 without {@code Connection: close}. */
    private boolean keepAliveResponse;
    /** The client address in the PROXY header this connection began with (pools that send one). */
    private java.net.InetAddress proxiedClient;

    OriginConnection(OriginPool pool, ProxySettings settings, HeadPool heads) {
        this.pool = pool;
        this.parser = new HeadParser(settings.maxHeaderSize(), settings.maxHeaders(), settings.maxHeaderSize());
        this.heads = heads;
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMillis());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.timer = new DeadlineTimer(ctx.executor(), this::idleCheck);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        lastActivity = System.nanoTime();
        timer.wakeBy(lastActivity + idleTimeoutNanos, lastActivity);
        ctx.fireChannelActive();
    }

    public Channel channel() {
        return ctx.channel();
    }

    /** The origin server this connection goes to, as {@code host:port}. */
    public String serverName() {
        return pool.serverName(server);
    }

    int server() {
        return server;
    }

    void server(int server) {
        this.server = server;
    }

    java.net.InetAddress proxiedClient() {
        return proxiedClient;
    }

    void proxiedClient(java.net.InetAddress client) {
        this.proxiedClient = client;
    }

    /** Whether this connection served an earlier exchange. */
    public boolean reused() {
        return reused;
    }

    /** The index of its server in the pool (to retry elsewhere). */
    public int serverIndex() {
        return server;
    }

    void attach(Exchange e, boolean wasReused) {
        this.exchange = e;
        this.reused = wasReused;
        this.state = HEAD;
        this.responseStarted = false;
        this.receivedAny = false;
        this.keepAliveResponse = false;
        parser.reset();
    }

    /** Writes request bytes (the head, body slices or tunnel bytes); the buffer's ownership passes on. */
    public void write(ByteBuf buf) {
        ctx.write(buf, ctx.voidPromise());
        unflushed = true;
    }

    public void flush() {
        if (!unflushed) {
            return; // the client's read-complete flushes its origin whether or not it wrote to it
        }
        unflushed = false;
        lastActivity = System.nanoTime();
        ctx.flush();
    }

    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /** Starts (or resumes) reading the response. */
    public void read() {
        if (state != IDLE) {
            ctx.read();
        }
    }

    /**
     * Gives the connection up mid-exchange (response timeout, client gone): it is closed and
     * never reused, and the exchange hears nothing more from it.
     */
    public void abandon() {
        if (exchange != null) {
            exchange = null;
            state = IDLE;
            pool.release(this, false);
        }
    }

    /**
     * Hands the exchange under way to {@code to}, which takes the rest of the response from here
     * (the client side ended, and the answer is still awaited: an orphan), and reads on.
     */
    public void handOver(Exchange to) {
        if (exchange != null) {
            exchange = to;
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        if (exchange == null) {
            // an idle kept-alive connection must not send anything: drop it
            buf.release();
            pool.evict(this);
            ctx.close();
            return;
        }
        receivedAny = true;
        in = Cumulation.append(ctx.alloc(), in, buf);
        process();
    }

    private void process() {
        while (exchange != null && in != null && in.isReadable()) {
            if (state == HEAD) {
                if (!relayHead()) {
                    return;
                }
            } else if (state == BODY) {
                if (!relayBody()) {
                    return;
                }
            } else if (state == TUNNEL) {
                int n = in.readableBytes();
                exchange.sendResponseBody(in.retainedSlice());
                in.skipBytes(n);
            } else {
                return;
            }
        }
        in = Cumulation.compact(in);
    }

    /**
     * Parses and relays one head; false when more bytes are needed or the exchange ended. The
     * head is borrowed for this call only: the exchange copies what it sends on (the HTTP/1 head
     * into its output buffer, the HTTP/2 fields into their own strings), and {@link #complete}
     * needs only {@link #keepAliveResponse}.
     */
    private boolean relayHead() {
        HttpHead head = heads.acquire();
        try {
            return relayHead(head);
        } finally {
            heads.release(head);
        }
    }

    private boolean relayHead(HttpHead head) {
        int r = parser.parseResponse(in, head);
        if (r == HeadParser.NEED_MORE) {
            return false;
        }
        Exchange e = exchange;
        if (r < 0) {
            fail(Failure.BAD_RESPONSE);
            return false;
        }
        int status = head.status();
        keepAliveResponse = head.isHttp11() && !head.connectionClose();
        if (status == 101) {
            if (!e.wantsUpgrade()) {
                fail(Failure.BAD_RESPONSE);
                return false;
            }
            e.sendResponseHead(head, false, true);
            in.skipBytes(r);
            state = TUNNEL;
            responseStarted = true;
            e.responseStarted(status);
            e.tunnelOpened();
            return true;
        }
        if (status < 200) {
            // interim response (100 Continue, 103 Early Hints): relay it and wait for the final one
            e.sendResponseHead(head, false, false);
            in.skipBytes(r);
            return true;
        }
        if (e.refusesTransferEncoding(head)) {
            fail(Failure.BAD_RESPONSE); // 502: decoding gzip & co. is not this proxy's business (found by review)
            return false;
        }
        if (e.isHeadRequest() || status == 204 || status == 304) {
            body.expectNone();
        } else if (head.chunked()) {
            body.expectChunked();
        } else if (head.contentLength() >= 0) {
            body.expectLength(head.contentLength());
        } else {
            body.expectUntilClose();
        }
        boolean closing = e.closesAfterResponse() || body.isUntilClose();
        in.skipBytes(r);
        state = BODY;
        responseStarted = true;
        int n = body.scan(in); // the body bytes that came with the head
        if (body.isDone() && !body.failed() && n <= INLINE_BODY_MAX) {
            e.sendResponse(head, closing, in, n);
            in.skipBytes(n);
            e.responseStarted(status);
            complete();
            return false;
        }
        e.sendResponseHead(head, closing, false);
        e.responseStarted(status);
        return relayScanned(n);
    }

    private boolean relayBody() {
        return relayScanned(body.scan(in));
    }

    /** Relays the {@code n} body bytes just scanned; false when more are needed or the exchange ended. */
    private boolean relayScanned(int n) {
        if (exchange == null) {
            return false; // the client side gave the exchange up while the head went out
        }
        if (body.failed()) {
            fail(Failure.BAD_RESPONSE);
            return false;
        }
        if (n > 0) {
            exchange.sendResponseBody(in.retainedSlice(in.readerIndex(), n));
            in.skipBytes(n);
        }
        if (body.isDone()) {
            complete();
            return false;
        }
        return true;
    }

    private void complete() {
        Exchange e = exchange;
        boolean reusable = keepAliveResponse && !body.isUntilClose()
                && (in == null || !in.isReadable()) && e.requestComplete();
        exchange = null;
        state = IDLE;
        in = Cumulation.release(in);
        pool.succeeded(server);
        pool.release(this, reusable);
        e.responseComplete();
    }

    private void fail(Failure failure) {
        pool.failed(server);
        Exchange e = exchange;
        exchange = null;
        state = IDLE;
        in = Cumulation.release(in);
        pool.release(this, false);
        e.originFailed(failure, responseStarted, false);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastActivity = System.nanoTime();
        if (exchange != null) {
            exchange.flushResponse();
            if (exchange != null && exchange.clientWritable()) {
                ctx.read();
            }
        }
    }

    /** The client can take more bytes: resume reading the response. */
    public void clientWritable() {
        if (exchange != null) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.originWritable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timer.cancel();
        Exchange e = exchange;
        if (e == null) {
            pool.evict(this);
        } else if (state == BODY && body.isUntilClose()) {
            complete(); // the close is the end of this response (RFC 9112 §6.3 rule 8)
        } else if (state == TUNNEL) {
            exchange = null;
            state = IDLE;
            pool.release(this, false); // its busy count, as fail() and abandon() give it back (found by review)
            e.responseComplete();
        } else {
            exchange = null;
            state = IDLE;
            if (!reused || receivedAny) {
                pool.failed(server); // a kept-alive connection closed while idle says nothing of the server
            }
            pool.release(this, false);
            // nothing came back: the request may go again if it is safe to repeat (the client decides)
            e.originFailed(Failure.RESET, responseStarted, !receivedAny);
        }
        in = Cumulation.release(in);
    }

    /**
     * {@code timeouts.idle} on the origin side — nothing read or flushed for that long: a
     * kept-alive connection nobody used is closed; a response whose body stopped coming is a
     * stall, and the client connection is closed too (waiting for the response head is
     * {@code timeouts.upstream_response}'s business, and a tunnel idles on the client's clock).
     * Otherwise the check comes again one idle period later.
     */
    private void idleCheck() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastActivity >= idleTimeoutNanos) {
            if (exchange == null) {
                pool.evict(this);
                ctx.close();
                return;
            }
            if (responseStarted && state != TUNNEL) {
                fail(Failure.RESPONSE_TIMEOUT);
                return;
            }
            lastActivity = now;
        }
        timer.wakeBy(lastActivity + idleTimeoutNanos, now);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and broken pipes are expected; the close that follows reports the failure
        ctx.close();
    }
}

package io.predictor.admin.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.ReadTimeoutException;
import io.predictor.admin.log.EventLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Last in the admin pipeline (after the codec and aggregator): copies each request off its
 * buffers, hands it to the worker threads (a change waits for an fsync, which must not stall the
 * event loop), and writes the JSON answer. Requests of one connection are answered one after
 * the other, in order, as HTTP/1.1 pipelining requires. One instance per connection.
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final AdminApi api;
    private final Executor workers;
    private final EventLog events;
    /** The previous request's handling; confined to the event loop. */
    private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
    /**
     * A request without keep-alive was read: the connection ends with its answer, and what the
     * client pipelined after it is not processed (RFC 9112 §9.6). Before (found by review), a
     * change pipelined after {@code Connection: close} was made, and its answer never sent.
     */
    private boolean lastRequestRead;
    /**
     * Requests read and not yet answered (written to the socket). At {@link #MAX_UNANSWERED} the
     * connection is not read until one is, and each answer waits until the one before is in the
     * socket: a client that pipelines requests and reads no answer had every answer (56 KB for
     * the console's script) queued in memory (found by review).
     */
    private int unanswered;
    private final RequestDeadline deadline;
    /** An answer is on its way into the socket (set by a worker, cleared on the event loop). */
    private volatile boolean writing;

    /** Pipelined requests read ahead of their answers, at most (HTTP/1.1 pipelining still works: the rest wait in the socket). */
    static final int MAX_UNANSWERED = 4;

    AdminHttpHandler(AdminApi api, Executor workers, EventLog events, RequestDeadline deadline) {
        this.api = api;
        this.workers = workers;
        this.events = events;
        this.deadline = deadline;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        deadline.stop();
        if (lastRequestRead) {
            return; // released by SimpleChannelInboundHandler; never handled
        }
        if (!msg.decoderResult().isSuccess()) {
            lastRequestRead = true;
            AdminResponse bad = new ApiException(400, "bad_request", "malformed HTTP request").toResponse();
            previous = previous.thenRun(() -> write(ctx, bad, false));
            return;
        }
        AdminRequest req;
        try {
            req = copy(ctx, msg);
        } catch (ApiException e) {
            lastRequestRead = true;
            AdminResponse bad = e.toResponse();
            previous = previous.thenRun(() -> write(ctx, bad, false));
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(msg);
        if (!keepAlive) {
            lastRequestRead = true;
            ctx.channel().config().setAutoRead(false);
        }
        if (++unanswered >= MAX_UNANSWERED) {
            readNoMore(ctx);
        }
        // the next request is handled once this answer is in the socket, not merely queued: a
        // client that reads no answers then holds one answer here, not all of them
        previous = previous
                .thenComposeAsync(v -> api.handleAsync(req), workers)
                .thenCompose(r -> {
                    CompletableFuture<Void> written = new CompletableFuture<>();
                    writing = true;
                    send(ctx, r, keepAlive).addListener(f -> {
                        writing = false;
                        answered(ctx, keepAlive);
                        written.complete(null);
                    });
                    return written;
                })
                .exceptionally(e -> {
                    // api.handle answers every failure itself; this is a bug or a closed channel.
                    events.event(EventLog.Level.ERROR, "admin_response_failed", Map.of("error", e.toString()));
                    ctx.close();
                    return null;
                });
    }

    /** Stops reading the connection (its answers are not being taken); on the event loop. */
    private void readNoMore(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        deadline.stop(); // the client is not late: the proxy is not reading
    }

    /** An answer was written to the socket (or failed); on the event loop. */
    private void answered(ChannelHandlerContext ctx, boolean keepAlive) {
        if (!keepAlive) {
            ctx.close();
            return;
        }
        unanswered--;
        if (!lastRequestRead && unanswered < MAX_UNANSWERED && ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * Copies the request off Netty's buffers. A second {@code Host} (or {@code Origin}) is refused
     * (RFC 9112 §3.2): the first one was kept, so the guard judged whichever came first, while a
     * proxy in front may have read the other (found by review).
     */
    private static AdminRequest copy(ChannelHandlerContext ctx, FullHttpRequest msg) throws ApiException {
        QueryStringDecoder uri = new QueryStringDecoder(msg.uri());
        Map<String, String> headers = new HashMap<>();
        for (String single : new String[] {"host", "origin", "authorization"}) {
            if (msg.headers().getAll(single).size() > 1) {
                throw ApiException.badRequest("more than one " + single + " header");
            }
        }
        msg.headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
        int port = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
        return new AdminRequest(msg.method().name(), uri.rawPath(), uri.parameters(), headers,
                msg.content().toString(StandardCharsets.UTF_8), port);
    }

    static void write(ChannelHandlerContext ctx, AdminResponse r, boolean keepAlive) {
        ChannelFuture f = send(ctx, r, keepAlive);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Writes and flushes {@code r}; with {@code keepAlive} false it says {@code Connection: close}
     * but leaves the closing to the caller.
     */
    static ChannelFuture send(ChannelHandlerContext ctx, AdminResponse r, boolean keepAlive) {
        byte[] bytes;
        String type;
        if (r.body() instanceof AdminResponse.Text t) {
            bytes = t.text().getBytes(StandardCharsets.UTF_8);
            type = t.contentType();
        } else if (r.body() instanceof AdminResponse.Bytes b) {
            bytes = b.content();
            type = b.contentType();
        } else {
            bytes = (r.json() + "\n").getBytes(StandardCharsets.UTF_8);
            type = "application/json; charset=utf-8";
        }
        ByteBuf content = ctx.alloc().buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), content);
        if (type != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        }
        if (r.status() != 304) {
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        }
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        r.headers().forEach(res.headers()::set);
        if (!keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return ctx.writeAndFlush(res);
    }

    /**
     * {@code IDLE_SECONDS} without a byte from the client: closed when no request is being
     * handled, or when an answer has waited that long to go into the socket (the client reads
     * nothing and would hold one of the listener's connections for good). A client waiting for a drain barrier (up to 10 minutes) sends nothing and is not
     * idle; a read timeout had cut such a wait at 60 s with no answer (found by review).
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            // an answer still not in the socket after the idle limit: its client reads nothing
            if (previous.isDone() || writing) {
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof ReadTimeoutException) && !(cause instanceof IOException)) {
            events.event(EventLog.Level.WARN, "admin_connection_error", Map.of("error", cause.toString()));
        }
        ctx.close();
    }
}

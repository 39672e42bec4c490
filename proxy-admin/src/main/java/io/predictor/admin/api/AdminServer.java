package io.predictor.admin.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.service.SiteService;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener: its own one-thread event loop (never the data plane's) and two worker
 * threads for the calls. Pipeline: {@code RequestDeadline → IdleStateHandler → HttpServerCodec →
 * JsonErrorAggregator (64 KiB) → AdminHttpHandler}. The admin plane is small and rarely busy,
 * so aggregating a request is fine here (it never is on the data plane).
 */
public final class AdminServer implements AutoCloseable {

    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_CONNECTIONS = 64;
    /** A connection without a byte from its client for this long, and no request being handled, is closed. */
    static final int IDLE_SECONDS = 60;
    /** How long a request may take to arrive whole, from its first byte (at most the idle limit). */
    static final int REQUEST_SECONDS = 10;
    /** How long the rest of a refused body may take to arrive after its 413. */
    private static final int LINGER_SECONDS = 5;

    private final EventLoopGroup group;
    private final ExecutorService workers;
    private final ChannelGroup connections;
    private final Channel server;
    private final AdminApi api;

    private AdminServer(AdminApi api, EventLoopGroup group, ExecutorService workers, ChannelGroup connections,
            Channel server) {
        this.api = api;
        this.group = group;
        this.workers = workers;
        this.connections = connections;
        this.server = server;
    }

    /** Binds {@code bind} (port 0: any free port) and serves the admin API until {@link #close()}. */
    public static AdminServer start(InetSocketAddress bind, SiteService sites, AdminOptions options, EventLog events)
            throws InterruptedException {
        return start(new AdminApi(sites, bind.getHostString(), options, events), bind, events, IDLE_SECONDS);
    }

    /** {@link #start(InetSocketAddress, SiteService, AdminOptions, EventLog)} with another idle limit (tests). */
    static AdminServer start(InetSocketAddress bind, SiteService sites, AdminOptions options, EventLog events,
            int idleSeconds) throws InterruptedException {
        return start(new AdminApi(sites, bind.getHostString(), options, events), bind, events, idleSeconds);
    }

    /**
     * Binds {@code admin.metrics_bind}: {@code GET /metrics} alone, behind the same Host/Origin
     * guard (for {@code bind}'s own address), every other path 404.
     */
    public static AdminServer startMetrics(InetSocketAddress bind, SiteService sites, AdminOptions options,
            EventLog events) throws InterruptedException {
        return start(new AdminApi(sites, bind.getHostString(), options, events, true), bind, events, IDLE_SECONDS);
    }

    private static AdminServer start(AdminApi api, InetSocketAddress bind, EventLog events, int idleSeconds)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("predictor-admin", true),
                NioIoHandler.newFactory());
        ExecutorService workers = Executors.newFixedThreadPool(2, new DefaultThreadFactory("predictor-admin-worker",
                true));
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (connections.size() >= MAX_CONNECTIONS) {
                                events.event(EventLog.Level.WARN, "admin_connection_refused",
                                        Map.of("reason", "more than " + MAX_CONNECTIONS + " admin connections"));
                                ch.close();
                                return;
                            }
                            connections.add(ch);
                            RequestDeadline deadline = new RequestDeadline(
                                    TimeUnit.SECONDS.toMillis(Math.min(idleSeconds, REQUEST_SECONDS)));
                            ch.pipeline()
                                    .addLast(deadline)
                                    .addLast(new IdleStateHandler(idleSeconds, 0, 0))
                                    .addLast(new HttpServerCodec(4096, 16 * 1024, 8192))
                                    .addLast(new JsonErrorAggregator(MAX_BODY_BYTES))
                                    .addLast(new AdminHttpHandler(api, workers, events, deadline));
                        }
                    })
                    .bind(bind).sync().channel();
            return new AdminServer(api, group, workers, connections, server);
        } catch (Throwable e) {
            // also a BindException, which Netty throws undeclared from sync()
            workers.shutdownNow();
            api.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The port actually bound. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        api.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Answers an oversized body with the API's JSON error instead of an empty 413, then closes
     * the connection the way nginx and HAProxy do (a lingering close): the client is usually
     * still sending the body, and closing with its bytes unread makes the kernel answer them with
     * a reset, which can destroy the 413 before the client has read it. So the write side is shut
     * once the answer is sent, the rest of the body is read and dropped, and the connection
     * closes when the body ends, when the client closes, or {@link #LINGER_SECONDS} after the
     * answer, whichever comes first. (A request that expects 100 Continue with a Content-Length
     * over the limit never gets here: the aggregator refuses it with its own 413 before the body.)
     */
    private static final class JsonErrorAggregator extends HttpObjectAggregator {
        private boolean lingering;

        JsonErrorAggregator(int maxContentLength) {
            super(maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            AdminResponse r = new ApiException(413, "payload_too_large",
                    "the body is larger than " + MAX_BODY_BYTES + " bytes").toResponse();
            ChannelFuture sent = AdminHttpHandler.send(ctx, r, false);
            lingering = true;
            sent.addListener((ChannelFuture f) -> {
                if (f.isSuccess() && f.channel() instanceof SocketChannel ch) {
                    ch.shutdownOutput();
                } else {
                    f.channel().close();
                }
            });
            ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!lingering) {
                super.channelRead(ctx, msg);
                return;
            }
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (last) {
                ctx.close(); // every byte of the body was read: a plain FIN, no reset
            }
        }
    }
}

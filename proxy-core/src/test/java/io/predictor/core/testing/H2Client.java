package io.predictor.core.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.logging.LogLevel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A small HTTP/2 client on Netty (TLS, ALPN h2, chosen SNI): one connection, a stream per
 * request, whole responses collected. For tests that need HTTP/2 with names that do not resolve.
 */
public final class H2Client implements AutoCloseable {

    /** One response: status, headers, body; or the error code of a RST_STREAM (then status is 0). */
    public record Response(int status, Http2Headers headers, byte[] body, long resetCode) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final String authority;
    /** Every RST_STREAM the server sent, in order (the frame reader's log, not the streams' events). */
    private final List<Reset> resetsReceived = new CopyOnWriteArrayList<>();
    private final List<GoAway> goAwaysReceived = new CopyOnWriteArrayList<>();
    private volatile int lastStreamId;

    public H2Client(X509Certificate trusted, InetSocketAddress address, String sni) throws Exception {
        this(trusted, address, sni, null);
    }

    /** @param preamble bytes sent in the clear before the TLS handshake (a PROXY protocol header), or null */
    public H2Client(X509Certificate trusted, InetSocketAddress address, String sni, byte[] preamble) throws Exception {
        this(trusted, address, sni, preamble, Http2Settings.defaultSettings());
    }

    /**
     * @param settings the client's SETTINGS (a small SETTINGS_INITIAL_WINDOW_SIZE, a
     *     SETTINGS_MAX_HEADER_LIST_SIZE other than Netty's 8 KiB, a small SETTINGS_HEADER_TABLE_SIZE)
     */
    public H2Client(X509Certificate trusted, InetSocketAddress address, String sni, byte[] preamble,
            Http2Settings settings) throws Exception {
        this.authority = sni;
        SslContext ssl = SslContextBuilder.forClient().trustManager(trusted)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (preamble == null) {
                            addHttp2(ch);
                            return;
                        }
                        ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                // first the bytes in the clear, then TLS starts (its handler starts on being added)
                                ctx.writeAndFlush(Unpooled.wrappedBuffer(preamble));
                                ctx.pipeline().remove(this);
                                addHttp2(ctx.channel());
                                ctx.fireChannelActive();
                            }
                        });
                    }

                    private void addHttp2(Channel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc(), sni, address.getPort()));
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().initialSettings(settings)
                                .frameLogger(new FrameRecorder()).build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new SimpleChannelInboundHandler<Object>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                            }
                        }));
                    }
                });
        channel = b.connect(address).sync().channel();
        // after channelActive has run on the loop (with a preamble, the TLS handler is added there)
        SslHandler tls = channel.eventLoop().submit(() -> channel.pipeline().get(SslHandler.class)).get();
        tls.handshakeFuture().sync();
        if (!ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
            throw new IllegalStateException("ALPN chose " + tls.applicationProtocol());
        }
    }

    public Channel channel() {
        return channel;
    }

    /** One RST_STREAM frame received: its stream and error code. */
    public record Reset(int streamId, long errorCode) {
    }

    /**
     * The RST_STREAM frames received so far, one entry per frame: a second one for a stream
     * already closed reaches no stream channel, so only the frame reader sees it.
     */
    public List<Reset> resetsReceived() {
        return List.copyOf(resetsReceived);
    }

    /** One GOAWAY frame received: the last stream the server says it processed, and its error code. */
    public record GoAway(int lastStreamId, long errorCode) {
    }

    /** The GOAWAY frames received so far. */
    public List<GoAway> goAwaysReceived() {
        return List.copyOf(goAwaysReceived);
    }

    /** Records inbound RST_STREAM and GOAWAY frames; logs nothing (Netty's frame logger at TRACE, off). */
    private final class FrameRecorder extends Http2FrameLogger {
        FrameRecorder() {
            super(LogLevel.TRACE, H2Client.class);
        }

        @Override
        public void logGoAway(Direction direction, ChannelHandlerContext ctx, int lastStreamId, long errorCode,
                ByteBuf debugData) {
            if (direction == Direction.INBOUND) {
                goAwaysReceived.add(new GoAway(lastStreamId, errorCode));
            }
            super.logGoAway(direction, ctx, lastStreamId, errorCode, debugData);
        }

        @Override
        public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
            if (direction == Direction.INBOUND) {
                resetsReceived.add(new Reset(streamId, errorCode));
            }
            super.logRstStream(direction, ctx, streamId, errorCode);
        }
    }

    public Response get(String path) throws Exception {
        return request(headers("GET", path), null);
    }

    public Http2Headers headers(String method, String path) {
        return new DefaultHttp2Headers().method(method).scheme("https").path(path).authority(authority);
    }

    /** Sends one request (body null: none) and waits for its whole response. */
    public Response request(Http2Headers headers, byte[] body) throws Exception {
        CompletableFuture<Response> result = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(channel)
                .handler(new Collector(result)).open().sync().getNow();
        boolean hasBody = body != null && body.length > 0;
        stream.write(new DefaultHttp2HeadersFrame(headers, !hasBody));
        if (hasBody) {
            int chunk = 16 * 1024;
            for (int off = 0; off < body.length; off += chunk) {
                int n = Math.min(chunk, body.length - off);
                stream.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body, off, n), off + n == body.length));
            }
        }
        stream.flush();
        Response response = result.get(20, TimeUnit.SECONDS);
        lastStreamId = Math.max(lastStreamId, stream.stream().id()); // assigned by the HEADERS write
        return response;
    }

    /** The highest stream id of a request this client completed (0: none yet). */
    public int lastStreamId() {
        return lastStreamId;
    }

    private static final class Collector extends SimpleChannelInboundHandler<Object> {
        private final CompletableFuture<Response> result;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Http2Headers headers;

        Collector(CompletableFuture<Response> result) {
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h) {
                int status = h.headers().status() == null ? 0 : Integer.parseInt(h.headers().status().toString());
                if (status >= 200 || headers != null) {
                    if (headers == null) {
                        headers = h.headers();
                    }
                    if (h.isEndStream()) {
                        done(ctx);
                    }
                }
            } else if (msg instanceof Http2DataFrame d) {
                ByteBuf c = d.content();
                body.writeBytes(ByteBufUtil.getBytes(c));
                if (d.isEndStream()) {
                    done(ctx);
                }
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame r) {
                result.complete(new Response(0, headers, body.toByteArray(), r.errorCode()));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.complete(new Response(headers == null ? -1 : Integer.parseInt(headers.status().toString()),
                    headers, body.toByteArray(), -1));
        }

        private void done(ChannelHandlerContext ctx) {
            result.complete(new Response(Integer.parseInt(headers.status().toString()), headers, body.toByteArray(), -1));
        }

        @Override
        public boolean acceptInboundMessage(Object msg) {
            return msg instanceof Http2StreamFrame;
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}

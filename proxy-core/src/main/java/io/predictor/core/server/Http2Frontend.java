package io.predictor.core.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 connection of a TLS client (ALPN {@code h2}): Netty's {@link Http2FrameCodec} and
 * {@link Http2MultiplexHandler}, one child channel per stream running an
 * {@link Http2StreamExchange}, with the limits a front-line proxy needs:
 *
 * <ul>
 *   <li>{@value #MAX_CONCURRENT_STREAMS} concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS);</li>
 *   <li>rapid reset (CVE-2023-44487): more than {@value #MAX_RST_FRAMES} RST_STREAM frames from the
 *       client within {@value #RST_WINDOW_SECONDS}s ends the connection with GOAWAY
 *       ENHANCE_YOUR_CALM;</li>
 *   <li>CONTINUATION floods: a header block is bounded by {@code limits.max_header_size}
 *       (SETTINGS_MAX_HEADER_LIST_SIZE; a block a quarter over it ends the connection), and more
 *       than {@value #MAX_SMALL_CONTINUATION_FRAMES} small CONTINUATION frames in a row end it too;</li>
 *   <li>control-frame floods (PING, SETTINGS): Netty's bound on queued control-frame answers;</li>
 *   <li>{@code timeouts.idle}: a connection without streams for that long is closed with GOAWAY.</li>
 * </ul>
 *
 * <p>Pipeline after the handshake: {@code idle} → {@code h2-guard} ({@link Http2StreamIdGuard}: stream
 * identifiers the client may no longer use) → {@code h2} (frame codec) → {@code h2-streams}
 * (multiplexer) → {@code h2-connection} ({@link ConnectionWatch}). The connection reads with
 * {@code AUTO_READ} on — flow control bounds what each stream may send, and a stream reads its
 * next DATA frame only when its origin can take it.
 */
final class Http2Frontend {

    static final int MAX_CONCURRENT_STREAMS = 100;
    static final int MAX_RST_FRAMES = 100;
    static final int RST_WINDOW_SECONDS = 10;
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private Http2Frontend() {
    }

    static void configure(ChannelPipeline p, FrontendContext shared) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .maxHeaderListSize(shared.settings.maxHeaderSize());
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .gracefulShutdownTimeoutMillis(shared.settings.drainTimeoutMillis())
                .build();
        p.addLast("idle", new IdleStateHandler(0, 0, shared.settings.idleTimeoutMillis(), TimeUnit.MILLISECONDS));
        p.addLast("h2-guard", new Http2StreamIdGuard(codec.connection()));
        p.addLast("h2", codec);
        p.addLast("h2-streams", new Http2MultiplexHandler(new StreamInitializer(shared)));
        p.addLast("h2-connection", new ConnectionWatch(codec));
        p.channel().config().setAutoRead(true);
    }

    /** Each new stream: {@code AUTO_READ} off, one {@link Http2StreamExchange}. */
    @ChannelHandler.Sharable
    static final class StreamInitializer extends ChannelInitializer<Channel> {
        private final FrontendContext shared;

        StreamInitializer(FrontendContext shared) {
            this.shared = shared;
        }

        @Override
        protected void initChannel(Channel ch) {
            ch.config().setAutoRead(false);
            ch.pipeline().addLast("exchange", new Http2StreamExchange(shared));
        }
    }

    /** Connection-level events: idle timeout, drain (GOAWAY, then finish the streams), expected errors. */
    static final class ConnectionWatch extends ChannelInboundHandlerAdapter implements Drainable {
        private final Http2FrameCodec codec;
        private ChannelHandlerContext ctx;

        ConnectionWatch(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void drain() {
            ctx.channel().close(); // the codec sends GOAWAY and waits for open streams up to timeouts.drain
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg); // connection-level frames (SETTINGS, PING, GOAWAY) end here
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // an HTTP/2 error is the codec's to answer (GOAWAY with its code, then the close); a reset is routine
            if (io.netty.handler.codec.http2.Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
                ctx.close();
            }
        }
    }
}

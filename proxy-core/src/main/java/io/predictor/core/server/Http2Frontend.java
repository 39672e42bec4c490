package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamVisitor;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.predictor.core.tls.ServerCertificate;
import io.predictor.core.upstream.ClientEndpoints;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 connection of a TLS client (ALPN {@code h2}): one {@link Http2ConnectionHandler}
 * that is also its own {@link Http2FrameListener} and drives one {@link Http2StreamExchange}
 * object per stream directly on the connection's channel — no child channel, pipeline, promise
 * or timer per stream — with the limits a front-line proxy needs:
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
 * <p>Pipeline after the handshake: {@code h2-guard} ({@link Http2StreamIdGuard}: stream
 * identifiers the client may no longer use) → {@code h2} ({@link Connection}). The connection
 * reads with {@code AUTO_READ} on; flow control bounds what each stream may send: a DATA frame
 * that cannot go on to the origin yet is kept and its bytes are returned to the client's window
 * only when it does.
 *
 * <p>Why not {@code Http2FrameCodec} and {@code Http2MultiplexHandler}: the profile of an h2load
 * run (-c10 -m10, JFR) put half of the event loop's Java time in the child-channel machinery —
 * a channel, pipeline and registration per stream, a promise and listener per frame written
 * through it, stream-state events — and a fifth in a TLS flush per response (each stream's
 * flush went through to {@code SslHandler}). Here writes go straight to the encoder and the
 * responses relayed in one pass of the event loop leave in one flush ({@link Connection#flushSoon});
 * a response that came whole from the origin goes past the encoder, as one buffer
 * ({@link Connection#writeWholeResponse}).
 */
final class Http2Frontend {

    static final int MAX_CONCURRENT_STREAMS = 100;
    static final int MAX_RST_FRAMES = 100;
    static final int RST_WINDOW_SECONDS = 10;
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private Http2Frontend() {
    }

    static void configure(ChannelPipeline p, FrontendContext shared) {
        Connection connection = new Builder(shared).build();
        p.addLast("h2-guard", new Http2StreamIdGuard(connection.connection()));
        p.addLast("h2", connection);
        p.channel().config().setAutoRead(true);
    }

    /** Builds a {@link Connection} with the limits above. */
    static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<Connection, Builder> {
        private final FrontendContext shared;

        Builder(FrontendContext shared) {
            this.shared = shared;
            // Streams share the connection's window in turn, without RFC 7540's priority tree, which
            // RFC 9113 deprecates and browsers no longer send (HAProxy ignores it too): Netty's
            // default, WeightedFairQueueByteDistributor, keeps a priority-queue state per stream
            // and per connection for it.
            DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
            connection.remote().flowController(
                    new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
            connection(connection);
            initialSettings(Http2Settings.defaultSettings()
                    .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                    .maxHeaderListSize(shared.settings.maxHeaderSize()));
            validateHeaders(true);
            decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS);
            decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES);
            // a backstop: the drain closes what is left itself at its deadline, after answering the
            // streams still held (ProxyServer.drain); closing here first would cut them
            gracefulShutdownTimeoutMillis(shared.settings.drainTimeoutMillis() + ProxyServer.HELD_ANSWER_MILLIS);
        }

        @Override
        public Connection build() {
            return super.build();
        }

        @Override
        protected Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                Http2Settings initialSettings) {
            Connection c = new Connection(decoder, encoder, initialSettings, shared);
            frameListener(c);
            return c;
        }
    }

    /**
     * The connection: frames in, one exchange per stream, and everything the streams share — the
     * client's address and certificate, one timer for every timeout of the connection and its
     * streams ({@link DeadlineTimer}), and one flush for what the streams wrote in a pass.
     */
    static final class Connection extends Http2ConnectionHandler implements Http2FrameListener, Drainable {
        private final FrontendContext shared;
        private final Http2Connection.PropertyKey key;
        private final long idleNanos;
        private final Runnable flushTask = this::flushNow;
        private final Http2StreamVisitor checkStream = this::checkStream;
        /**
         * The HPACK encoder of Netty's frame writer, shared with it so that the dynamic table
         * stays in step whichever of the two writes a header block ({@link #writeWholeResponse});
         * null if this Netty's writer does not expose it (every response then goes through the
         * encoder).
         */
        private final Http2HeadersEncoder headersEncoder;
        /**
         * The client's SETTINGS_MAX_HEADER_LIST_SIZE (unlimited until it sets one). Kept here
         * because Netty's encoder applies it only on the client side: a server's encoder sends
         * any header block, and a Netty-based client ends the connection on one a quarter over.
         */
        private long peerMaxHeaderListSize = Long.MAX_VALUE;
        ChannelHandlerContext ctx;
        LoopState loop;
        ClientEndpoints endpoints;
        ServerCertificate certificate;
        String clientAddressText;
        byte[] clientAddress;
        boolean trustedPeer;
        private DeadlineTimer timer;
        private long lastActivity;
        /**
         * Since when the client channel has been unwritable (0: writable). A client that stops
         * reading leaves streams whose last DATA or RST_STREAM write never completes, so they stay
         * active for good: {@code timeouts.idle} of it closes the connection, as for HTTP/1.1.
         */
        private long unwritableSince;
        private boolean flushScheduled;
        private long now;
        private long nextWake;
        /** Marks a stream whose RST_STREAM(NO_ERROR) waits for its END_STREAM to be written. */
        private final Http2Connection.PropertyKey resetWhenEnded;

        Connection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings,
                FrontendContext shared) {
            super(decoder, encoder, initialSettings);
            this.shared = shared;
            this.key = connection().newKey();
            this.idleNanos = TimeUnit.MILLISECONDS.toNanos(shared.settings.idleTimeoutMillis());
            // DefaultHttp2FrameWriter's headersConfiguration() is its HPACK encoder itself
            this.headersEncoder = encoder.configuration().headersConfiguration() instanceof Http2HeadersEncoder h
                    ? h : null;
            this.resetWhenEnded = connection().newKey();
            connection().addListener(new Http2ConnectionAdapter() {
                @Override
                public void onStreamHalfClosed(Http2Stream stream) {
                    // the response's END_STREAM is in the channel now: the reset may follow it
                    if (stream.state() == Http2Stream.State.HALF_CLOSED_LOCAL
                            && stream.removeProperty(resetWhenEnded) != null) {
                        int id = stream.id();
                        ctx.executor().execute(() -> reset(id, Http2Error.NO_ERROR));
                    }
                }

                @Override
                public void onStreamClosed(Http2Stream stream) {
                    Http2StreamExchange e = stream.removeProperty(key);
                    if (e != null) {
                        e.streamClosed();
                    }
                }
            });
            encoder.flowController().listener(stream -> {
                Http2StreamExchange e = stream.getProperty(key);
                if (e != null && encoder().flowController().isWritable(stream)) {
                    e.clientWritableAgain();
                }
            });
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
            this.ctx = ctx;
            loop = shared.loops.get(ctx.channel().eventLoop());
            endpoints = ClientEndpoints.of(ctx.channel());
            certificate = ctx.channel().attr(ServerCertificate.CHANNEL_ATTRIBUTE).get();
            InetAddress peer = endpoints.client() == null ? null : endpoints.client().getAddress();
            clientAddressText = peer == null ? "unknown" : peer.getHostAddress();
            clientAddress = clientAddressText.getBytes(StandardCharsets.US_ASCII);
            trustedPeer = peer != null && shared.listener.trustedProxies().test(peer);
            timer = new DeadlineTimer(ctx.executor(), this::onTimer);
            lastActivity = System.nanoTime();
            timer.wakeBy(lastActivity + idleNanos, lastActivity);
            super.handlerAdded(ctx);
            if (shared.drain.draining()) {
                // its handshake ended after the drain told every connection to go: the drain never
                // reached it, and it took new streams until timeouts.drain cut it (found by review)
                ctx.executor().execute(this::closeWithGoAway);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            timer.cancel();
            super.channelInactive(ctx); // closes every stream: their exchanges end
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            lastActivity = System.nanoTime();
            super.channelRead(ctx, msg);
        }

        /**
         * Netty's handler flushes here; this one leaves what the read wrote (answers made at once,
         * WINDOW_UPDATE, SETTINGS and PING acknowledgements) to the flush at the end of the pass,
         * with the responses that origin connections complete later in the same pass: one TLS
         * record and one write to the client instead of two. The rest is Netty's own
         * read-complete, less its {@code ctx.read()} for a channel without {@code AUTO_READ}: this
         * one always reads ({@link Http2Frontend#configure}).
         */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
            flushSoon();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            // an HTTP/2 error is the handler's to answer (RST_STREAM or GOAWAY with its code); anything else closes
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
                ctx.close();
                return;
            }
            super.exceptionCaught(ctx, cause);
        }

        @Override
        protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                Http2Exception.StreamException streamException) {
            Http2Stream stream = connection().stream(streamException.streamId());
            Http2StreamExchange e = stream == null ? null : stream.getProperty(key);
            if (e != null) {
                e.streamError();
            }
            super.onStreamError(ctx, outbound, cause, streamException); // RST_STREAM with its code
        }

        @Override
        public void drain() {
            closeWithGoAway(); // the open streams get up to timeouts.drain
        }

        /** Idle: no stream open; closed with GOAWAY, as {@code timeouts.idle} closes it. */
        @Override
        public boolean closeIfIdle() {
            if (connection().numActiveStreams() == 0 && ctx.channel().isOpen()) {
                closeWithGoAway();
                return true;
            }
            return false;
        }

        /**
         * GOAWAY(NO_ERROR) with the last stream taken, then the close once it is written (or
         * after {@code timeouts.drain}): a request the client sent meanwhile is then known not
         * processed and safe to retry (RFC 9113 §6.8). The close starts at the channel, not at
         * {@code ctx}, so that it passes through this handler's {@code close}, which writes the
         * GOAWAY; {@code ctx.close()} would start below it and drop the connection without one.
         */
        private void closeWithGoAway() {
            ctx.channel().close();
        }

        // ---- what the streams call ------------------------------------------------------------

        /**
         * Flushes what the streams wrote, once for everything written in this pass of the event
         * loop — what the client's frames caused and the responses relayed from every origin
         * connection that was ready — by a task that runs after the pass's I/O.
         */
        void flushSoon() {
            if (!flushScheduled) {
                flushScheduled = true;
                ctx.executor().execute(flushTask);
            }
        }

        private void flushNow() {
            flushScheduled = false;
            lastActivity = System.nanoTime();
            flush(ctx);
        }

        void writeHeaders(int streamId, Http2Headers headers, boolean endStream) {
            encoder().writeHeaders(ctx, streamId, headers, 0, endStream, ctx.voidPromise());
        }

        void writeData(int streamId, ByteBuf data, boolean endStream) {
            encoder().writeData(ctx, streamId, data, 0, endStream, ctx.voidPromise());
        }

        /**
         * Whether the client's SETTINGS_MAX_HEADER_LIST_SIZE refuses {@code headers}, the response
         * head of an origin's {@code headBytes}-byte HTTP/1.1 head: each field counts its name,
         * its value and 32 (RFC 9113 §6.5.2). The client would refuse such a block (a Netty-based
         * one ends the whole connection when it is a quarter over), so the exchange answers 502
         * in its place, which says what went wrong.
         *
         * <p>The HTTP/1.1 head holds every name and value (and its status line more than
         * {@code :status}), so {@code headBytes + 32} per field bounds the size from above: the
         * fields are summed only when that bound is over the limit (a client that set one, such
         * as Netty's 8 KiB; browsers allow 256 KiB or set none).
         */
        boolean refusesHeaderList(int headBytes, Http2Headers headers) {
            long limit = peerMaxHeaderListSize;
            if (headBytes + 32L * headers.size() <= limit) {
                return false;
            }
            long size = 0;
            for (Map.Entry<CharSequence, CharSequence> field : headers) {
                size += field.getKey().length() + field.getValue().length() + 32L;
            }
            return size > limit;
        }

        /**
         * Whether a whole response of {@code length} body bytes (at most one DATA frame) may be
         * written at once by {@link #writeWholeResponse}: the stream is open on this side, has
         * sent no final head, has nothing waiting in the flow controller (its frames must stay in
         * order), and both flow-control windows take the body now. Otherwise the response goes
         * through Netty's encoder and flow controller ({@link #writeHeaders}, {@link #writeData}).
         */
        boolean canWriteWholeResponse(Http2Stream stream, int length) {
            if (headersEncoder == null || stream.isHeadersSent()) {
                return false;
            }
            Http2Stream.State state = stream.state();
            if (state != Http2Stream.State.OPEN && state != Http2Stream.State.HALF_CLOSED_REMOTE) {
                return false;
            }
            Http2RemoteFlowController flow = encoder().flowController();
            if (flow.hasFlowControlled(stream)) {
                return false;
            }
            return length == 0 || (length <= flow.windowSize(stream)
                    && length <= flow.windowSize(connection().connectionStream())
                    && length <= encoder().configuration().frameSizePolicy().maxFrameSize());
        }

        /**
         * Writes a whole response — HEADERS, and a DATA frame with {@code length} bytes of
         * {@code body} from {@code offset} unless there are none, the last frame ending the stream —
         * into one buffer, with one write. Call only right after {@link #canWriteWholeResponse}
         * said yes, with nothing written in between.
         *
         * <p>What it saves against {@link #writeHeaders} + {@link #writeData} (async-profiler,
         * h2load -c10 -m10): the encoder's and flow controller's promise, listener and queue
         * entry per frame, the frame writer's separate buffers for each frame's header, header
         * block and payload, and {@code SslHandler} coalescing those buffers and their promises
         * into its record — together about a sixth of the event loop's time.
         *
         * <p>It keeps what the encoder keeps: the shared HPACK encoder (so header blocks reach
         * the wire in the order they were encoded), the peer's SETTINGS_MAX_FRAME_SIZE
         * (CONTINUATION frames past it), both flow-control windows (taken down by the body's
         * size, as the flow controller does when it writes), and the stream's state: headers
         * sent, and the local side closed — once the write is done, when the client's side is closed too, as Netty
         * closes a stream only after its last frame was written.
         */
        void writeWholeResponse(Http2Stream stream, Http2Headers headers, ByteBuf body, int offset, int length) {
            int streamId = stream.id();
            ByteBuf out = ctx.alloc().directBuffer(2 * Http2CodecUtil.FRAME_HEADER_LENGTH + 128 + length);
            out.writerIndex(Http2CodecUtil.FRAME_HEADER_LENGTH);
            try {
                headersEncoder.encodeHeaders(streamId, headers, out);
            } catch (Http2Exception e) {
                out.release();
                onError(ctx, true, e); // as the encoder does: the stream is reset
                return;
            }
            int block = out.writerIndex() - Http2CodecUtil.FRAME_HEADER_LENGTH;
            int maxFrame = encoder().configuration().frameSizePolicy().maxFrameSize();
            short endStream = length == 0 ? Http2Flags.END_STREAM : 0;
            if (block <= maxFrame) {
                setFrameHeader(out, 0, block, Http2FrameTypes.HEADERS,
                        (short) (Http2Flags.END_HEADERS | endStream), streamId);
            } else {
                out = withContinuations(out, block, maxFrame, endStream, streamId, length);
            }
            if (length > 0) {
                int at = out.writerIndex();
                out.writerIndex(at + Http2CodecUtil.FRAME_HEADER_LENGTH);
                setFrameHeader(out, at, length, Http2FrameTypes.DATA, Http2Flags.END_STREAM, streamId);
                out.writeBytes(body, offset, length);
                try {
                    Http2RemoteFlowController flow = encoder().flowController();
                    flow.incrementWindowSize(stream, -length);
                    flow.incrementWindowSize(connection().connectionStream(), -length);
                } catch (Http2Exception e) {
                    out.release(); // never: a window that goes down cannot overflow
                    onError(ctx, true, e);
                    return;
                }
            }
            stream.headersSent(false);
            if (stream.state() == Http2Stream.State.OPEN) {
                ctx.write(out, ctx.voidPromise());
                stream.closeLocalSide(); // half-closed (local): the client may still send
            } else {
                ChannelPromise written = ctx.newPromise();
                ctx.write(out, written);
                closeStreamLocal(stream, written); // closed once the bytes are written
            }
        }

        /**
         * The header block encoded after one frame header in {@code in} is larger than the peer's
         * frame size: a HEADERS frame and CONTINUATION frames (RFC 9113 §6.10), copied into a new
         * buffer with room for the DATA frame.
         */
        private ByteBuf withContinuations(ByteBuf in, int block, int maxFrame, short endStream, int streamId,
                int length) {
            int frames = (block + maxFrame - 1) / maxFrame;
            ByteBuf out = ctx.alloc().directBuffer(
                    (frames + 1) * Http2CodecUtil.FRAME_HEADER_LENGTH + block + length);
            int from = Http2CodecUtil.FRAME_HEADER_LENGTH;
            for (int i = 0; i < frames; i++) {
                int n = Math.min(maxFrame, block - i * maxFrame);
                boolean last = i == frames - 1;
                int at = out.writerIndex();
                out.writerIndex(at + Http2CodecUtil.FRAME_HEADER_LENGTH);
                setFrameHeader(out, at, n, i == 0 ? Http2FrameTypes.HEADERS : Http2FrameTypes.CONTINUATION,
                        (short) ((last ? Http2Flags.END_HEADERS : 0) | (i == 0 ? endStream : 0)), streamId);
                out.writeBytes(in, from, n);
                from += n;
            }
            in.release();
            return out;
        }

        private static void setFrameHeader(ByteBuf out, int at, int payloadLength, byte type, short flags,
                int streamId) {
            out.setMedium(at, payloadLength);
            out.setByte(at + 3, type);
            out.setByte(at + 4, flags);
            out.setInt(at + 5, streamId);
        }

        void reset(int streamId, Http2Error error) {
            resetStream(ctx, streamId, error.code(), ctx.newPromise());
            flushSoon();
        }

        /**
         * RST_STREAM(NO_ERROR) after a complete response while the client still sends its body
         * (RFC 9113 §8.1): only after the response's END_STREAM is written, which may wait for
         * the client's flow-control window; a reset before it would drop what is still queued.
         */
        void resetAfterResponse(int streamId) {
            try {
                encoder().flowController().writePendingBytes();
            } catch (Http2Exception e) {
                onError(ctx, true, e);
                return;
            }
            Http2Stream stream = connection().stream(streamId);
            if (stream != null && stream.state() == Http2Stream.State.OPEN) {
                // END_STREAM still waits for the client's window: resetting now would drop it with
                // the rest of the response (found by review); the reset follows it (onStreamHalfClosed)
                stream.setProperty(resetWhenEnded, Boolean.TRUE);
                return;
            }
            reset(streamId, Http2Error.NO_ERROR);
        }

        boolean isWritable(Http2Stream stream) {
            return encoder().flowController().isWritable(stream);
        }

        /** Returns {@code n} request body bytes the origin took to the client's flow-control windows. */
        void consumed(Http2Stream stream, int n) {
            if (n <= 0 || stream.state() == Http2Stream.State.CLOSED) {
                return;
            }
            try {
                if (decoder().flowController().consumeBytes(stream, n)) {
                    flushSoon(); // a WINDOW_UPDATE went out
                }
            } catch (Http2Exception e) {
                onError(ctx, false, e);
            }
        }

        /** Makes sure the timer looks at the streams no later than {@code deadline}. */
        void wakeBy(long deadline) {
            timer.wakeBy(deadline, System.nanoTime());
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                unwritableSince = 0;
            } else if (unwritableSince == 0) {
                unwritableSince = System.nanoTime() | 1; // never 0
            }
            super.channelWritabilityChanged(ctx);
        }

        private void onTimer() {
            now = System.nanoTime();
            nextWake = now + idleNanos;
            if (unwritableSince != 0 && now - unwritableSince >= idleNanos) {
                // the client has taken nothing for timeouts.idle (found by review, Http2SlowReaderIT):
                // no GOAWAY, which would only queue behind what it does not read
                ctx.close();
                return;
            }
            if (connection().numActiveStreams() == 0) {
                long quiet = now - lastActivity;
                if (quiet >= idleNanos) {
                    closeWithGoAway(); // timeouts.idle without a stream
                    return;
                }
                nextWake = lastActivity + idleNanos;
            } else {
                try {
                    connection().forEachActiveStream(checkStream);
                } catch (Http2Exception e) {
                    onError(ctx, false, e);
                }
            }
            timer.wakeBy(nextWake, now);
        }

        private boolean checkStream(Http2Stream stream) {
            Http2StreamExchange e = stream.getProperty(key);
            if (e != null) {
                long due = e.checkDeadlines(now);
                if (due != 0 && due - nextWake < 0) {
                    nextWake = due;
                }
            }
            return true;
        }

        // ---- frames in (Http2FrameListener) ----------------------------------------------------

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            Http2Stream stream = connection().stream(streamId);
            Http2StreamExchange e = stream == null ? null : stream.getProperty(key);
            if (e == null) {
                return data.readableBytes() + padding;
            }
            try {
                return e.onData(data, endOfStream) + padding;
            } catch (RuntimeException bug) {
                failStream(e, streamId, bug);
                return data.readableBytes() + padding;
            }
        }

        /**
         * What a stream's child channel used to contain: an unexpected exception in one exchange
         * ends that stream (RST_STREAM INTERNAL_ERROR), not the connection with its other streams.
         */
        private void failStream(Http2StreamExchange e, int streamId, RuntimeException bug) {
            ctx.fireExceptionCaught(bug); // logged at the end of the pipeline
            e.streamError();
            Http2Stream stream = connection().stream(streamId);
            if (stream != null && stream.state() != Http2Stream.State.CLOSED) {
                reset(streamId, Http2Error.INTERNAL_ERROR);
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                boolean endOfStream) {
            Http2Stream stream = connection().stream(streamId);
            if (stream == null) {
                return;
            }
            Http2StreamExchange e = stream.getProperty(key);
            boolean first = e == null;
            if (first) {
                e = new Http2StreamExchange(shared, this, stream);
                stream.setProperty(key, e);
            }
            try {
                if (first) {
                    e.onRequest(headers, endOfStream);
                } else if (endOfStream) {
                    e.onRequestEnd(); // trailers: dropped (an HTTP/1.1 origin would need them chunked)
                }
            } catch (RuntimeException bug) {
                failStream(e, streamId, bug);
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            Http2Stream stream = connection().stream(streamId);
            Http2StreamExchange e = stream == null ? null : stream.getProperty(key);
            if (e != null) {
                e.clientReset();
            }
        }

        @Override
        public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                boolean exclusive) {
        }

        @Override
        public void onSettingsAckRead(ChannelHandlerContext ctx) {
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            Long maxHeaderListSize = settings.maxHeaderListSize();
            if (maxHeaderListSize != null) {
                peerMaxHeaderListSize = maxHeaderListSize;
            }
        }

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) {
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        }

        @Override
        public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
                Http2Headers headers, int padding) {
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
        }

        @Override
        public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
                ByteBuf payload) {
        }
    }
}

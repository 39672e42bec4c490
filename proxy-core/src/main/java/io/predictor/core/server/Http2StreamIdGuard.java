package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;

/**
 * Sits in front of the HTTP/2 frame codec and reads only the frame headers of what the client
 * sends, to answer a HEADERS frame on a stream that the client can no longer use the way RFC 9113
 * says and Netty does not (Netty cannot tell those streams from ones it never saw, so it resets
 * them with STREAM_CLOSED, "the lesser of two errors"):
 *
 * <ul>
 *   <li>a stream identifier lower than one already used, and never opened — §5.1.1: connection
 *       error PROTOCOL_ERROR;</li>
 *   <li>a stream the client already ended (END_STREAM) or reset — §5.1: connection error
 *       STREAM_CLOSED.</li>
 * </ul>
 *
 * Frames on streams the proxy reset itself are passed on, for the codec to ignore (§5.1: they
 * may have been in flight). Bytes pass through unchanged; on a violation the bytes before the
 * frame go on, then the error goes to the codec, which sends GOAWAY with its code and closes.
 */
final class Http2StreamIdGuard extends ChannelInboundHandlerAdapter {

    private static final int PREFACE_LENGTH = 24;
    private static final int FRAME_HEADER_LENGTH = 9;
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int END_STREAM = 0x1;
    /** Gaps in the client's stream identifiers remembered (a client that skips more is judged by STREAM_CLOSED). */
    private static final int MAX_GAPS = 64;
    /** Streams the proxy reset, remembered so that frames still in flight for them pass. */
    private static final int RESET_MEMORY = 256;
    /** Open-by-the-client streams kept before those the codec no longer has are counted as reset. */
    private static final int MAX_OPEN = 4 * Http2Frontend.MAX_CONCURRENT_STREAMS;

    private final Http2Connection connection;
    private final IntObjectHashMap<Boolean> open = new IntObjectHashMap<>();
    // the memories below are made when first needed: most connections never skip an identifier
    // and see no stream reset, and made up front they were ~1.6 KB of every idle connection's heap
    private int[] gapStart;
    private int[] gapEnd;
    private int gaps;
    private int[] resetByUs;
    private int resetNext;
    private int highest;

    private int prefaceLeft = PREFACE_LENGTH;
    private final byte[] header = new byte[FRAME_HEADER_LENGTH];
    private int headerBytes;
    private long payloadLeft;
    private boolean failed;

    Http2StreamIdGuard(Http2Connection connection) {
        this.connection = connection;
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (stream.isResetSent()) {
                    rememberReset(stream.id());
                }
            }
        });
    }

    private void rememberReset(int id) {
        if (resetByUs == null) {
            resetByUs = new int[RESET_MEMORY];
        }
        resetByUs[resetNext] = id;
        resetNext = (resetNext + 1) % RESET_MEMORY;
        open.remove(id);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end) {
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - i);
                prefaceLeft -= n;
                i += n;
            } else if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
            } else {
                int frameStart = headerBytes == 0 ? i : in.readerIndex();
                while (headerBytes < FRAME_HEADER_LENGTH && i < end) {
                    header[headerBytes++] = in.getByte(i++);
                }
                if (headerBytes < FRAME_HEADER_LENGTH) {
                    break;
                }
                headerBytes = 0;
                payloadLeft = ((header[0] & 0xffL) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                Http2Error violation = frame(header[3] & 0xff, header[4] & 0xff,
                        ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8)
                                | (header[8] & 0xff));
                if (violation != null) {
                    failed = true;
                    if (frameStart > in.readerIndex()) {
                        ctx.fireChannelRead(in.retainedSlice(in.readerIndex(), frameStart - in.readerIndex()));
                    }
                    in.release();
                    ctx.fireExceptionCaught(Http2Exception.connectionError(violation,
                            "HEADERS on stream %d, which the client can no longer use", lastStream));
                    return;
                }
            }
        }
        ctx.fireChannelRead(in);
    }

    private int lastStream;

    /** Looks at one frame header; returns the connection error it calls for, or null. */
    private Http2Error frame(int type, int flags, int stream) {
        lastStream = stream;
        if (stream == 0 || (stream & 1) == 0) {
            return null; // connection frames and server-initiated identifiers: the codec's business
        }
        boolean endStream = (flags & END_STREAM) != 0;
        if (type == DATA) {
            if (endStream) {
                open.remove(stream);
            }
        } else if (type == RST_STREAM) {
            open.remove(stream);
        } else if (type == HEADERS) {
            if (stream > highest) {
                if (stream > highest + 2 && gaps < MAX_GAPS) {
                    if (gapStart == null) {
                        gapStart = new int[MAX_GAPS];
                        gapEnd = new int[MAX_GAPS];
                    }
                    gapStart[gaps] = highest + 2;
                    gapEnd[gaps] = stream - 2;
                    gaps++;
                }
                highest = stream;
                if (!endStream) {
                    if (open.size() >= MAX_OPEN) {
                        forgetStreamsTheCodecDropped();
                    }
                    open.put(stream, Boolean.TRUE);
                }
            } else if (open.containsKey(stream)) {
                if (endStream) {
                    open.remove(stream); // trailers
                }
            } else if (!wasResetByUs(stream)) {
                return inGap(stream) ? Http2Error.PROTOCOL_ERROR : Http2Error.STREAM_CLOSED;
            }
        }
        return null;
    }

    /** Streams the client never ended but the codec no longer has (refused, reset by the proxy). */
    private void forgetStreamsTheCodecDropped() {
        int[] ids = open.keySet().stream().mapToInt(Integer::intValue).toArray();
        for (int id : ids) {
            if (connection.stream(id) == null) {
                rememberReset(id);
            }
        }
    }

    private boolean wasResetByUs(int stream) {
        if (resetByUs != null) {
            for (int id : resetByUs) {
                if (id == stream) {
                    return true;
                }
            }
        }
        Http2Stream s = connection.stream(stream);
        return s != null && s.isResetSent();
    }

    private boolean inGap(int stream) {
        for (int g = 0; g < gaps; g++) {
            if (stream >= gapStart[g] && stream <= gapEnd[g]) {
                return true;
            }
        }
        return false;
    }
}

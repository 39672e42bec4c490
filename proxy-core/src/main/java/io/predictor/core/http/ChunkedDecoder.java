package io.predictor.core.http;

import io.netty.buffer.ByteBuf;

/**
 * Takes the data out of a chunked HTTP/1.1 body as it streams (RFC 9112 §7.1), for an HTTP/2
 * client, which gets the data alone in DATA frames. The bytes have passed the origin side's
 * {@link BodyFramer} already, so the framing is known to be valid; this only finds the data.
 * Chunk extensions and trailer fields are dropped.
 */
public final class ChunkedDecoder {

    /** Receives each piece of data (a retained slice; ownership passes). */
    @FunctionalInterface
    public interface Sink {
        void data(ByteBuf slice);
    }

    private static final int SIZE = 0;
    private static final int EXTENSION = 1;
    private static final int SIZE_LF = 2;
    private static final int DATA = 3;
    private static final int DATA_CR = 4;
    private static final int DATA_LF = 5;
    private static final int TRAILER_LINE_START = 6;
    private static final int TRAILER_LINE = 7;
    private static final int TRAILER_LF = 8;
    private static final int DONE = 9;

    private int state = SIZE;
    private long remaining;

    public void reset() {
        state = SIZE;
        remaining = 0;
    }

    public boolean isDone() {
        return state == DONE;
    }

    /** Consumes every readable byte of {@code in} (it stays owned by the caller), passing the data on. */
    public void decode(ByteBuf in, Sink sink) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end && state != DONE) {
            if (state == DATA) {
                int n = (int) Math.min(remaining, end - i);
                sink.data(in.retainedSlice(i, n));
                i += n;
                remaining -= n;
                if (remaining == 0) {
                    state = DATA_CR;
                }
                continue;
            }
            byte b = in.getByte(i++);
            switch (state) {
                case SIZE:
                    if (b == ';' || b == ' ' || b == '\t') {
                        state = EXTENSION;
                    } else if (b == '\r') {
                        state = SIZE_LF;
                    } else {
                        remaining = (remaining << 4) | hex(b);
                    }
                    break;
                case EXTENSION:
                    if (b == '\r') {
                        state = SIZE_LF;
                    }
                    break;
                case SIZE_LF:
                    state = remaining == 0 ? TRAILER_LINE_START : DATA;
                    break;
                case DATA_CR:
                    state = DATA_LF;
                    break;
                case DATA_LF:
                    state = SIZE;
                    break;
                case TRAILER_LINE_START:
                    state = b == '\r' ? TRAILER_LF : TRAILER_LINE;
                    break;
                case TRAILER_LINE:
                    if (b == '\n') {
                        state = TRAILER_LINE_START;
                    }
                    break;
                case TRAILER_LF:
                    state = DONE;
                    break;
                default:
                    throw new IllegalStateException("chunked decoder state " + state);
            }
        }
        in.readerIndex(end);
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        return (b | 0x20) - 'a' + 10;
    }
}

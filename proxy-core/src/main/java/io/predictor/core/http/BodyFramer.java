package io.predictor.core.http;

import io.netty.buffer.ByteBuf;

/**
 * Finds where a message body ends while its bytes pass through unchanged (RFC 9112 §6–§7):
 * a fixed length, chunked coding (sizes, extensions, trailers checked strictly), or — for
 * responses only — the close of the connection. The proxy forwards exactly the bytes this
 * framer says belong to the message, so a pipelined next request can never be smuggled inside
 * a body.
 */
public final class BodyFramer {

    /** Longest chunk-size line (size + extensions) accepted. */
    static final int MAX_CHUNK_LINE = 4096;
    /** Longest trailer section accepted. */
    static final int MAX_TRAILERS = 16 * 1024;

    private static final int DONE = 0;
    private static final int LENGTH = 1;
    private static final int UNTIL_CLOSE = 2;
    private static final int CHUNK_SIZE = 3;
    private static final int CHUNK_EXT = 4;
    private static final int CHUNK_SIZE_LF = 5;
    private static final int CHUNK_DATA = 6;
    private static final int CHUNK_DATA_CR = 7;
    private static final int CHUNK_DATA_LF = 8;
    private static final int TRAILER_START = 9;
    private static final int TRAILER_LINE = 10;
    private static final int TRAILER_LF = 11;
    private static final int FINAL_LF = 12;

    private int state = DONE;
    private long remaining;
    private int sizeDigits;
    private int lineBytes;
    private int trailerBytes;
    private boolean failed;

    /** Expects a body of exactly {@code length} bytes (0: none). */
    public void expectLength(long length) {
        state = length == 0 ? DONE : LENGTH;
        remaining = length;
        failed = false;
    }

    public void expectChunked() {
        state = CHUNK_SIZE;
        remaining = 0;
        sizeDigits = 0;
        lineBytes = 0;
        trailerBytes = 0;
        failed = false;
    }

    /** A response body delimited by the close of the connection. */
    public void expectUntilClose() {
        state = UNTIL_CLOSE;
        failed = false;
    }

    public void expectNone() {
        state = DONE;
        failed = false;
    }

    public boolean isDone() {
        return state == DONE;
    }

    public boolean isUntilClose() {
        return state == UNTIL_CLOSE;
    }

    /** Whether the chunked framing was invalid (the message and its connection must be dropped). */
    public boolean failed() {
        return failed;
    }

    /**
     * How many of the readable bytes of {@code buf} (from its reader index) belong to the body.
     * Does not move the reader index. After the call, {@link #isDone()} tells whether the body
     * ended within those bytes, and {@link #failed()} whether the framing was invalid.
     */
    public int scan(ByteBuf buf) {
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        switch (state) {
            case DONE:
                return 0;
            case UNTIL_CLOSE:
                return end - start;
            case LENGTH: {
                int n = (int) Math.min(remaining, end - start);
                remaining -= n;
                if (remaining == 0) {
                    state = DONE;
                }
                return n;
            }
            default:
                return scanChunked(buf, start, end);
        }
    }

    private int scanChunked(ByteBuf buf, int start, int end) {
        int i = start;
        while (i < end && state != DONE) {
            if (state == CHUNK_DATA) {
                int n = (int) Math.min(remaining, end - i);
                i += n;
                remaining -= n;
                if (remaining == 0) {
                    state = CHUNK_DATA_CR;
                }
                continue;
            }
            byte b = buf.getByte(i++);
            switch (state) {
                case CHUNK_SIZE: {
                    int digit = hex(b);
                    if (digit >= 0) {
                        if (++sizeDigits > 15) {
                            return fail(i - start);
                        }
                        remaining = (remaining << 4) | digit;
                    } else if (sizeDigits == 0) {
                        return fail(i - start);
                    } else if (b == ';') {
                        state = CHUNK_EXT;
                    } else if (b == '\r') {
                        state = CHUNK_SIZE_LF;
                    } else {
                        return fail(i - start);
                    }
                    break;
                }
                case CHUNK_EXT:
                    if (++lineBytes > MAX_CHUNK_LINE) {
                        return fail(i - start);
                    }
                    if (b == '\r') {
                        state = CHUNK_SIZE_LF;
                    } else if (b == '\n' || (b != '\t' && (b & 0xff) < 0x20) || b == 0x7f) {
                        return fail(i - start);
                    }
                    break;
                case CHUNK_SIZE_LF:
                    if (b != '\n') {
                        return fail(i - start);
                    }
                    sizeDigits = 0;
                    lineBytes = 0;
                    state = remaining == 0 ? TRAILER_START : CHUNK_DATA;
                    break;
                case CHUNK_DATA_CR:
                    if (b != '\r') {
                        return fail(i - start);
                    }
                    state = CHUNK_DATA_LF;
                    break;
                case CHUNK_DATA_LF:
                    if (b != '\n') {
                        return fail(i - start);
                    }
                    state = CHUNK_SIZE;
                    break;
                case TRAILER_START:
                    if (b == '\r') {
                        state = FINAL_LF;
                    } else if (b == '\n' || b == ' ' || b == '\t') {
                        return fail(i - start);
                    } else {
                        state = TRAILER_LINE;
                    }
                    trailerBytes++;
                    break;
                case TRAILER_LINE:
                    if (++trailerBytes > MAX_TRAILERS) {
                        return fail(i - start);
                    }
                    if (b == '\r') {
                        state = TRAILER_LF;
                    } else if (b == '\n' || b == 0) {
                        return fail(i - start);
                    }
                    break;
                case TRAILER_LF:
                    if (b != '\n') {
                        return fail(i - start);
                    }
                    state = TRAILER_START;
                    break;
                case FINAL_LF:
                    if (b != '\n') {
                        return fail(i - start);
                    }
                    state = DONE;
                    break;
                default:
                    throw new IllegalStateException("framer state " + state);
            }
        }
        return i - start;
    }

    private int fail(int consumed) {
        failed = true;
        state = DONE;
        return consumed;
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int l = b | 0x20;
        if (l >= 'a' && l <= 'f') {
            return l - 'a' + 10;
        }
        return -1;
    }
}

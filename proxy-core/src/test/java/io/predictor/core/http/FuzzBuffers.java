package io.predictor.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.Arrays;
import java.util.Random;

/**
 * Helpers shared by the head and body fuzz tests: buffers without Netty's leak-aware wrappers
 * (LeakGuard's PARANOID detector records a stack trace on every {@code getByte}, which would
 * slow fuzzing a hundredfold; instead each test releases every buffer itself and asserts that
 * its reference count reached zero, so the code under test retained nothing), and a
 * deterministic way to cut an input into reads.
 */
final class FuzzBuffers {

    /** Direct buffers, as the data plane reads them, without leak tracking. */
    static final ByteBufAllocator DIRECT = new UnpooledByteBufAllocator(true, true);
    /** Heap buffers without leak tracking. */
    static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);

    private FuzzBuffers() {
    }

    static ByteBuf direct(byte[] bytes, int offset) {
        // a non-zero reader index, as in a connection's accumulation buffer after a previous message
        ByteBuf buf = DIRECT.directBuffer(offset + bytes.length + 16);
        buf.writeZero(offset);
        buf.skipBytes(offset);
        buf.writeBytes(bytes);
        return buf;
    }

    static ByteBuf heap(byte[] bytes, int from, int to) {
        ByteBuf buf = HEAP.heapBuffer(Math.max(16, to - from));
        buf.writeBytes(bytes, from, to - from);
        return buf;
    }

    /** Releases {@code buf} and fails unless that freed it: nothing under test kept a reference. */
    static void release(ByteBuf buf) {
        if (buf == null) {
            return;
        }
        int refs = buf.refCnt();
        if (refs != 1 || !buf.release()) {
            throw new AssertionError("buffer still referenced after the code under test returned: refCnt=" + refs);
        }
    }

    /**
     * Read sizes that cut {@code length} bytes into pieces the way TCP might: derived from the
     * input itself so that a finding reproduces from the input file alone.
     */
    static int[] cuts(byte[] input, int salt) {
        Random random = new Random(Arrays.hashCode(input) * 31L + salt);
        int[] sizes = new int[input.length + 1];
        int n = 0;
        int left = input.length;
        while (left > 0) {
            int size = switch (random.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 1 + random.nextInt(4);
                case 2 -> 1 + random.nextInt(64);
                default -> 1 + random.nextInt(Math.max(1, left));
            };
            size = Math.min(size, left);
            sizes[n++] = size;
            left -= size;
        }
        return Arrays.copyOf(sizes, n);
    }

    /** Index just past the first CRLF CRLF within the first {@code limit} bytes, or -1. */
    static int endOfHead(byte[] b, int from, int limit) {
        int end = Math.min(b.length, from + limit);
        for (int i = from; i + 3 < end; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** Index of the first LF at or after {@code from}, or -1. */
    static int firstLf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}

package io.predictor.core.http;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * The properties every result of {@link HeadParser} must have, checked by the fuzz tests on
 * arbitrary bytes: an independent oracle for when a head is complete, too long or not there yet,
 * the bounds of every offset the parser records, and that feeding the same bytes in pieces (as
 * reads arrive) gives the same answer as feeding them at once.
 */
final class HeadChecks {

    /** Small limits, so that the fuzzer reaches 414 and 431 within a few hundred bytes. */
    static final int MAX_HEAD = 2048;
    static final int MAX_HEADERS = 24;
    static final int MAX_LINE = 512;

    private HeadChecks() {
    }

    static HeadParser parser() {
        return new HeadParser(MAX_HEAD, MAX_HEADERS, MAX_LINE);
    }

    /** The result of one call, and how many leading bytes (empty lines) the parser skipped. */
    record Outcome(int result, int skipped) {
    }

    /** One parse of the whole input in a direct buffer whose reader index is not 0. */
    static Outcome parseWhole(byte[] input, boolean request, HttpHead[] headOut) {
        HeadParser parser = parser();
        HttpHead head = parser.newHead();
        ByteBuf buf = FuzzBuffers.direct(input, 7);
        try {
            int reader = buf.readerIndex();
            int writer = buf.writerIndex();
            int r = request ? parser.parseRequest(buf, head) : parser.parseResponse(buf, head);
            check(buf.writerIndex() == writer, "the parser moved the writer index");
            int skipped = buf.readerIndex() - reader;
            check(skipped >= 0 && skipped <= input.length, "reader index moved backwards or past the end");
            check(request || skipped == 0, "a response parse skipped bytes");
            for (int i = 0; i < skipped; i += 2) {
                check(input[i] == '\r' && i + 1 < skipped && input[i + 1] == '\n', "skipped bytes that are not empty lines");
            }
            if (r > 0) {
                check(r <= buf.readableBytes(), "head length " + r + " beyond the " + buf.readableBytes() + " readable bytes");
            }
            headOut[0] = head;
            return new Outcome(r, skipped);
        } finally {
            FuzzBuffers.release(buf);
        }
    }

    /** What the result must be, from the bytes alone (given the bytes skipped as empty lines). */
    static void checkAgainstOracle(byte[] input, Outcome o, boolean request) {
        int start = o.skipped();
        int readable = input.length - start;
        int r = o.result();
        int lf = FuzzBuffers.firstLf(input, start);
        int firstLf = lf < 0 ? -1 : lf - start;
        if (request && readable >= 2) {
            check(!(input[start] == '\r' && input[start + 1] == '\n'), "an empty line before the request line was not skipped");
        }
        if (request && (firstLf >= 0 ? firstLf >= MAX_LINE : readable > MAX_LINE)) {
            check(r == -414, "request line over " + MAX_LINE + " bytes must be 414, got " + r);
            return;
        }
        int end = FuzzBuffers.endOfHead(input, start, MAX_HEAD);
        if (end >= 0) {
            int len = end - start;
            if (request) {
                check(r == len || r == -400 || r == -431 || r == -505,
                        "a complete head of " + len + " bytes must be accepted or get 400/431/505, got " + r);
            } else {
                check(r == len || r == -502, "a complete response head of " + len + " bytes gave " + r);
            }
        } else if (readable >= MAX_HEAD) {
            check(r == (request ? -431 : -502), "no end of head within " + MAX_HEAD + " bytes must be refused, got " + r);
        } else {
            check(r == HeadParser.NEED_MORE, "an incomplete head must need more, got " + r);
        }
    }

    /** Offsets and facts of an accepted head. */
    static void checkHead(byte[] input, int start, int r, HttpHead h, boolean request) {
        check(h.length == r, "head.length " + h.length + " != " + r);
        check(Arrays.equals(h.bytes, 0, r, input, start, start + r), "the head's copy differs from the input");
        check(h.version == 10 || h.version == 11, "version " + h.version);
        check(h.startLineEnd > 0 && h.startLineEnd <= r - 2, "start line end " + h.startLineEnd);
        check(h.headerCount >= 0 && h.headerCount <= MAX_HEADERS, "header count " + h.headerCount);
        int prev = h.startLineEnd;
        for (int n = 0; n < h.headerCount; n++) {
            check(h.nameStart[n] == prev, "header " + n + " does not start where the previous line ended");
            check(h.nameStart[n] < h.nameEnd[n] && h.nameEnd[n] < h.valueStart[n]
                    && h.valueStart[n] <= h.valueEnd[n] && h.valueEnd[n] <= h.lineEnd[n] - 2
                    && h.lineEnd[n] <= r - 2, "header " + n + " offsets out of order");
            check(h.bytes[h.nameEnd[n]] == ':', "header " + n + " name does not end at a colon");
            check(h.bytes[h.lineEnd[n] - 2] == '\r' && h.bytes[h.lineEnd[n] - 1] == '\n', "header " + n + " line end");
            prev = h.lineEnd[n];
        }
        check(prev == r - 2, "the fields do not end at the blank line");
        check(h.contentLength >= HttpHead.NO_LENGTH, "content length " + h.contentLength);
        if (h.chunked) {
            check(h.contentLength == HttpHead.NO_LENGTH, "chunked with a Content-Length");
        }
        if (request) {
            check(h.methodEnd > 0 && h.bytes[h.methodEnd] == ' ', "method end " + h.methodEnd);
            check(h.targetStart == h.methodEnd + 1 && h.targetEnd > h.targetStart && h.targetEnd < h.startLineEnd,
                    "target bounds " + h.targetStart + ".." + h.targetEnd);
            for (int i = h.targetStart; i < h.targetEnd; i++) {
                int c = h.bytes[i] & 0xff;
                check(c > 0x20 && c < 0x7f, "byte 0x" + Integer.toHexString(c) + " in an accepted target");
            }
            if (h.version == 11) {
                check(h.hostHeader >= 0, "an accepted HTTP/1.1 request without Host");
            }
            if (h.chunked) {
                check(h.version == 11, "chunked request in HTTP/1.0");
            }
            check(h.hostHeader < h.headerCount, "host header index");
            int hs = h.hostValueStart();
            check(hs < 0 || (hs <= h.hostValueEnd() && h.hostValueEnd() <= r), "host value bounds");
            // the accessors the proxy and its logs use must not throw on an accepted head
            h.method();
            h.target();
            h.host();
            h.keepAlive();
            h.isWebSocketUpgrade();
            h.expectContinue();
            h.header("content-length");
        } else {
            check(h.status >= 0 && h.status <= 999, "status " + h.status);
        }
    }

    /** Feeds the input in pieces to one parser; the first answer must be the whole-input answer. */
    static void checkPieces(byte[] input, Outcome whole, boolean request, int salt) {
        HeadParser parser = parser();
        HttpHead head = parser.newHead();
        ByteBuf acc = FuzzBuffers.HEAP.heapBuffer(Math.max(16, input.length));
        try {
            int fed = 0;
            int r = HeadParser.NEED_MORE;
            int reader = acc.readerIndex();
            for (int size : FuzzBuffers.cuts(input, salt)) {
                acc.writeBytes(input, fed, size);
                fed += size;
                r = request ? parser.parseRequest(acc, head) : parser.parseResponse(acc, head);
                if (r != HeadParser.NEED_MORE) {
                    break;
                }
            }
            int skipped = acc.readerIndex() - reader;
            check(r == whole.result() && skipped == whole.skipped(),
                    "fed in pieces: result " + r + " after skipping " + skipped + "; fed at once: result "
                            + whole.result() + " after skipping " + whole.skipped());
        } finally {
            FuzzBuffers.release(acc);
        }
    }

    /** A second parser on a fresh copy of the head alone must accept it with the same length. */
    static void checkReparse(byte[] input, int start, int r, boolean request) {
        HeadParser parser = parser();
        HttpHead head = parser.newHead();
        ByteBuf buf = FuzzBuffers.heap(input, start, start + r);
        try {
            int again = request ? parser.parseRequest(buf, head) : parser.parseResponse(buf, head);
            check(again == r, "re-parsing the accepted head gave " + again + " instead of " + r);
            // and the same parser goes on with the next head after skipping this one
            buf.skipBytes(r);
            buf.writeBytes(input, start, r);
            again = request ? parser.parseRequest(buf, head) : parser.parseResponse(buf, head);
            check(again == r, "the same head parsed again by the same parser gave " + again + " instead of " + r);
        } finally {
            FuzzBuffers.release(buf);
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}

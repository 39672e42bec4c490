package io.predictor.core.http;

import static io.predictor.core.http.HeadChecks.check;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;

/**
 * Coverage-guided fuzzing of {@link BodyFramer#scan} on an arbitrary chunked body. Properties:
 * no exception; the count stays within the readable bytes and the reader index does not move; a
 * body that is neither ended nor failed consumed everything offered; a failed body is done; the
 * bytes offered in pieces end the body at the same byte with the same verdict as offered at once;
 * an accepted body scanned alone is accepted with the same length, and is not complete one byte
 * earlier; every buffer is released.
 */
class ChunkedBodyFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "ChunkedBodyFuzzTest.dict")
    void chunked(byte[] input) {
        BodyFramer whole = new BodyFramer();
        whole.expectChunked();
        ByteBuf buf = FuzzBuffers.direct(input, 3);
        int n;
        boolean done;
        boolean failed;
        try {
            int reader = buf.readerIndex();
            int writer = buf.writerIndex();
            n = whole.scan(buf);
            check(buf.readerIndex() == reader && buf.writerIndex() == writer, "scan moved the buffer's indexes");
            check(n >= 0 && n <= input.length, "scan counted " + n + " of " + input.length + " bytes");
            done = whole.isDone();
            failed = whole.failed();
            check(!failed || done, "a failed body is not done");
            check(done || n == input.length, "an unfinished body left " + (input.length - n) + " bytes unscanned");
            if (done) {
                buf.skipBytes(n);
                check(whole.scan(buf) == 0, "a finished body went on counting bytes");
            }
        } finally {
            FuzzBuffers.release(buf);
        }

        BodyFramer pieces = new BodyFramer();
        pieces.expectChunked();
        int total = 0;
        int fed = 0;
        for (int size : FuzzBuffers.cuts(input, 3)) {
            ByteBuf piece = FuzzBuffers.heap(input, fed, fed + size);
            fed += size;
            try {
                int k = pieces.scan(piece);
                check(k >= 0 && k <= size, "a piece of " + size + " bytes counted " + k);
                total += k;
                check(pieces.isDone() || k == size, "an unfinished body left bytes of a piece unscanned");
            } finally {
                FuzzBuffers.release(piece);
            }
            if (pieces.isDone()) {
                break;
            }
        }
        check(total == n && pieces.isDone() == done && pieces.failed() == failed,
                "in pieces: " + total + " bytes, done=" + pieces.isDone() + ", failed=" + pieces.failed()
                        + "; at once: " + n + " bytes, done=" + done + ", failed=" + failed);

        if (done && !failed) {
            check(n >= 5 && input[n - 2] == '\r' && input[n - 1] == '\n', "an accepted body does not end in CRLF");
            BodyFramer alone = new BodyFramer();
            alone.expectChunked();
            ByteBuf exact = FuzzBuffers.heap(input, 0, n);
            try {
                check(alone.scan(exact) == n && alone.isDone() && !alone.failed(), "the accepted body alone is not accepted");
            } finally {
                FuzzBuffers.release(exact);
            }
            BodyFramer shorter = new BodyFramer();
            shorter.expectChunked();
            ByteBuf cut = FuzzBuffers.heap(input, 0, n - 1);
            try {
                check(shorter.scan(cut) == n - 1 && !shorter.isDone(), "the body was complete a byte before its end");
            } finally {
                FuzzBuffers.release(cut);
            }
        }
    }
}

package io.predictor.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Taking the data out of a chunked body, fed in every possible split. */
class ChunkedDecoderTest {

    static final String BODY = "5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n";

    @Test
    void dataComesOutWhateverTheSplits() {
        byte[] wire = BODY.getBytes(StandardCharsets.US_ASCII);
        for (int split = 1; split < wire.length; split++) {
            ChunkedDecoder d = new ChunkedDecoder();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int off = 0; off < wire.length; off += split) {
                ByteBuf piece = Unpooled.wrappedBuffer(wire, off, Math.min(split, wire.length - off));
                d.decode(piece, slice -> {
                    byte[] b = new byte[slice.readableBytes()];
                    slice.readBytes(b);
                    slice.release();
                    out.writeBytes(b);
                });
                piece.release();
            }
            assertThat(out.toString(StandardCharsets.US_ASCII)).as("split %d", split).isEqualTo("hello world!");
            assertThat(d.isDone()).isTrue();
        }
    }
}

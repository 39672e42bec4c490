package io.predictor.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BodyFramerTest {

    private static int scan(BodyFramer f, String bytes) {
        ByteBuf buf = Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1);
        try {
            return f.scan(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void lengthStopsExactlyAtTheEndOfTheBody() {
        BodyFramer f = new BodyFramer();
        f.expectLength(5);
        assertThat(scan(f, "hel")).isEqualTo(3);
        assertThat(f.isDone()).isFalse();
        assertThat(scan(f, "loGET / HTTP/1.1")).isEqualTo(2);
        assertThat(f.isDone()).isTrue();
    }

    @Test
    void chunkedEndsAfterTheLastChunkAndTrailers() {
        BodyFramer f = new BodyFramer();
        f.expectChunked();
        String body = "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
        assertThat(scan(f, body + "NEXT")).isEqualTo(body.length());
        assertThat(f.isDone()).isTrue();
        assertThat(f.failed()).isFalse();
    }

    @Test
    void chunkedAcrossManySmallReads() {
        BodyFramer f = new BodyFramer();
        f.expectChunked();
        String body = "3\r\nabc\r\n0\r\n\r\n";
        for (int i = 0; i < body.length(); i++) {
            assertThat(f.isDone()).isFalse();
            assertThat(scan(f, body.substring(i, i + 1))).isEqualTo(1);
        }
        assertThat(f.isDone()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x\r\n", "5\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n", " 5\r\n", "5 \r\n",
        "-5\r\n", "1000000000000000\r\n", "0\r\n\n", "0\r\nBad\nTrailer\r\n\r\n"})
    void invalidChunkFramingFails(String bytes) {
        BodyFramer f = new BodyFramer();
        f.expectChunked();
        scan(f, bytes);
        assertThat(f.failed()).isTrue();
    }
}

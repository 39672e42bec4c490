package io.predictor.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeadParserTest {

    private final HeadParser parser = new HeadParser(16 * 1024, 100, 8192);
    private final HttpHead head = parser.newHead();

    private int parseRequest(String raw) {
        ByteBuf buf = Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1);
        try {
            return parser.parseRequest(buf, head);
        } finally {
            buf.release();
        }
    }

    @Test
    void parsesRequestLineHeadersAndFraming() {
        String raw = "POST /path?q=1 HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 5\r\n"
                + "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nX-Other:  spaced value \t\r\n\r\n";
        assertThat(parseRequest(raw)).isEqualTo(raw.length());
        assertThat(head.method()).isEqualTo("POST");
        assertThat(head.target()).isEqualTo("/path?q=1");
        assertThat(head.isHttp11()).isTrue();
        assertThat(head.contentLength()).isEqualTo(5);
        assertThat(head.host()).isEqualTo("www.example.com");
        assertThat(head.header("x-other")).isEqualTo("spaced value");
        assertThat(head.keepAlive()).isTrue();
        assertThat(head.dropped[3]).as("X-Hop is named by Connection").isTrue();
        assertThat(head.dropped[2]).as("Connection itself").isTrue();
        assertThat(head.dropped[4]).isFalse();
    }

    @Test
    void needsMoreUntilTheBlankLineArrivesAcrossReads() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeCharSequence("GET / HTTP/1.1\r\nHost: a\r", StandardCharsets.US_ASCII);
            assertThat(parser.parseRequest(buf, head)).isEqualTo(HeadParser.NEED_MORE);
            buf.writeCharSequence("\n\r", StandardCharsets.US_ASCII);
            assertThat(parser.parseRequest(buf, head)).isEqualTo(HeadParser.NEED_MORE);
            buf.writeCharSequence("\nGET /next", StandardCharsets.US_ASCII);
            assertThat(parser.parseRequest(buf, head)).isEqualTo(27);
        } finally {
            buf.release();
        }
    }

    @Test
    void skipsEmptyLinesBeforeTheRequestLine() {
        ByteBuf buf = Unpooled.copiedBuffer("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII);
        try {
            assertThat(parser.parseRequest(buf, head)).isEqualTo(27);
        } finally {
            buf.release();
        }
    }

    /** Found by RequestHeadFuzzTest's pieces property: the empty line must be skipped whatever the reads. */
    @Test
    void skipsAnEmptyLineSplitAcrossReads() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeByte('\r');
            assertThat(parser.parseRequest(buf, head)).isEqualTo(HeadParser.NEED_MORE);
            buf.writeCharSequence("\n\r", StandardCharsets.US_ASCII);
            assertThat(parser.parseRequest(buf, head)).isEqualTo(HeadParser.NEED_MORE);
            buf.writeCharSequence("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII);
            assertThat(parser.parseRequest(buf, head)).isEqualTo(27);
            assertThat(buf.readableBytes()).isEqualTo(27);
        } finally {
            buf.release();
        }
    }

    @Test
    void http10KeepAliveOnlyWhenAsked() {
        parseRequest("GET / HTTP/1.0\r\n\r\n");
        assertThat(head.keepAlive()).isFalse();
        parseRequest("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assertThat(head.keepAlive()).isTrue();
        parseRequest("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(head.keepAlive()).isFalse();
    }

    @Test
    void identicalContentLengthsAreOneValue() {
        assertThat(parseRequest("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\n")).isPositive();
        assertThat(head.contentLength()).isEqualTo(3);
    }

    @ParameterizedTest(name = "[{index}] {1}: {0}")
    @CsvSource(delimiter = '|', value = {
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 1\\r\\nContent-Length: 2\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: -1\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 1a\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 1234567890123456789\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|400",
        "GET / HTTP/1.0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost : a\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nX: 1\\r\\n  folded\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nX: a\\u0000b\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nX: a\\rb\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nX\\u0001: a\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\nX: b\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n|400",
        "GET /a b HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n|400",
        "GET /a\\u0000 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n|400",
        "G@T / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n|400",
        "GET  / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n|400",
        "GET / HTTP/1.1 \\r\\nHost: a\\r\\n\\r\\n|400",
        "GET / http/1.1\\r\\nHost: a\\r\\n\\r\\n|400",
        "GET / HTTP/2.0\\r\\nHost: a\\r\\n\\r\\n|505",
        "GET / HTTP/0.9\\r\\nHost: a\\r\\n\\r\\n|505",
        ": empty\\r\\nHost: a\\r\\n\\r\\n|400",
    })
    void refusesAmbiguousOrMalformedHeads(String raw, int status) {
        String unescaped = raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\u0000")
                .replace("\\u0001", "\u0001");
        assertThat(parseRequest(unescaped)).isEqualTo(-status);
        assertThat(parser.error()).isNotBlank();
    }

    @Test
    void overlongRequestLineIs414AndOverlongHeadIs431() {
        assertThat(parseRequest("GET /" + "a".repeat(9000))).isEqualTo(-414);
        assertThat(parseRequest("GET / HTTP/1.1\r\nX: " + "a".repeat(17_000))).isEqualTo(-431);
    }

    @Test
    void tooManyHeadersIs431() {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 100; i++) {
            sb.append("X-").append(i).append(": v\r\n");
        }
        assertThat(parseRequest(sb.append("\r\n").toString())).isEqualTo(-431);
    }

    @Test
    void responseWithTransferEncodingDropsContentLength() {
        ByteBuf buf = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n",
                StandardCharsets.US_ASCII);
        try {
            assertThat(parser.parseResponse(buf, head)).isPositive();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.chunked()).isTrue();
            assertThat(head.contentLength()).isEqualTo(HttpHead.NO_LENGTH);
            assertThat(head.dropped[0]).isTrue();
        } finally {
            buf.release();
        }
    }

    @Test
    void malformedResponsesAre502() {
        for (String raw : new String[] {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
                "HTTX/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
            ByteBuf buf = Unpooled.copiedBuffer(raw, StandardCharsets.US_ASCII);
            try {
                assertThat(parser.parseResponse(buf, head)).as(raw).isEqualTo(-502);
            } finally {
                buf.release();
            }
        }
    }
}

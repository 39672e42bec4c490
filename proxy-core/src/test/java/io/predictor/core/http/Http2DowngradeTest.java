package io.predictor.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP/2 → HTTP/1.1 downgrade: what is refused, and the head that is written. */
class Http2DowngradeTest {

    static Http2Headers get() {
        return new DefaultHttp2Headers(false).method("GET").scheme("https").path("/a?b=c").authority("www.example.com");
    }

    @Test
    void aPlainRequestPasses() {
        assertThat(Http2Downgrade.validate(get())).isNull();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "x-a     | a<CR>b     | NUL, CR or LF",
        "x-a     | a<LF>b     | NUL, CR or LF",
        "x-a     | a<NUL>b    | NUL, CR or LF",
        "x-a     | <SP>a      | whitespace",
        "x-a     | a<SOH>     | control",
        "X-Upper | a          | invalid character",
        "x a     | a          | invalid character",
        "connection | close   | connection-specific",
        "keep-alive | 5       | connection-specific",
        "transfer-encoding | chunked | connection-specific",
        "upgrade | h2c        | connection-specific",
        "te      | gzip       | te other than trailers",
        ":status | 200        | not one of a request",
        "content-length | 1x  | invalid content-length",
    })
    void malformedFieldsAreRefused(String name, String value, String why) {
        String v = value.replace("<CR>", "\r").replace("<LF>", "\n").replace("<NUL>", "\u0000")
                .replace("<SP>", " ").replace("<SOH>", "\u0001");
        Http2Headers h = get().add(name.strip(), v);
        assertThat(Http2Downgrade.validate(h)).contains(why);
    }

    @Test
    void pseudoHeadersMustBeThereOnceAndPathMustBeAPath() {
        assertThat(Http2Downgrade.validate(new DefaultHttp2Headers(false).method("GET").scheme("https"))).isNotNull();
        assertThat(Http2Downgrade.validate(get().add(":method", "POST"))).isNotNull();
        assertThat(Http2Downgrade.validate(get().path("relative"))).contains(":path");
        assertThat(Http2Downgrade.validate(get().path("/a b"))).contains(":path");
        assertThat(Http2Downgrade.validate(get().add("te", "trailers"))).isNull();
        assertThat(Http2Downgrade.validate(get().add("content-length", "5").add("content-length", "6")))
                .contains("conflicting");
    }

    @Test
    void theHttp11HeadCarriesTheForwardingFieldsAndJoinsCookies() {
        Http2Headers h = get().add("cookie", "a=1").add("cookie", "b=2").add("x-forwarded-for", "10.0.0.1")
                .add("via", "1.1 front").add("accept", "*/*");
        ByteBuf out = Unpooled.buffer();
        Http2Downgrade.writeRequest(h, out, "203.0.113.7".getBytes(StandardCharsets.US_ASCII),
                "https".getBytes(StandardCharsets.US_ASCII), false, "edge-1".getBytes(StandardCharsets.US_ASCII),
                "www.example.com", true, false);
        String head = out.toString(StandardCharsets.ISO_8859_1);
        out.release();
        assertThat(head).isEqualTo("GET /a?b=c HTTP/1.1\r\n"
                + "Host: www.example.com\r\n"
                + "accept: */*\r\n"
                + "cookie: a=1; b=2\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "X-Forwarded-For: 203.0.113.7\r\n"
                + "X-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Host: www.example.com\r\n"
                + "Via: 1.1 front, 2 edge-1\r\n"
                + "\r\n");
    }

    @Test
    void aTrustedPeersForwardedForIsKeptAndAnEmptyPostGetsALength() {
        Http2Headers h = new DefaultHttp2Headers(false).method("POST").scheme("https").path("/").authority("a.test")
                .add("x-forwarded-for", "10.0.0.1");
        ByteBuf out = Unpooled.buffer();
        Http2Downgrade.writeRequest(h, out, "192.0.2.9".getBytes(StandardCharsets.US_ASCII),
                "https".getBytes(StandardCharsets.US_ASCII), true, "edge-1".getBytes(StandardCharsets.US_ASCII),
                "a.test", false, true);
        String head = out.toString(StandardCharsets.ISO_8859_1);
        out.release();
        assertThat(head).contains("Content-Length: 0\r\n").contains("X-Forwarded-For: 10.0.0.1, 192.0.2.9\r\n");
    }

    @Test
    void theLoopGuardReadsVia() {
        assertThat(Http2Downgrade.viaNames(get().add("via", "1.1 a, 2 edge-1"), "edge-1".getBytes())).isTrue();
        assertThat(Http2Downgrade.viaNames(get().add("via", "1.1 edge-10"), "edge-1".getBytes())).isFalse();
    }
}

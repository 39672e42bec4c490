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

    /** Why {@code h} is malformed, or null. */
    static String validate(Http2Headers h) {
        return Http2Downgrade.validate(h, new Http2Downgrade.Fields());
    }

    /** The fields of a well-formed {@code h}. */
    static Http2Downgrade.Fields fields(Http2Headers h) {
        Http2Downgrade.Fields f = new Http2Downgrade.Fields();
        assertThat(Http2Downgrade.validate(h, f)).isNull();
        return f;
    }

    @Test
    void aPlainRequestPasses() {
        assertThat(validate(get())).isNull();
    }

    @Test
    void theOnePassNotesTheFieldsTheProxyActsOn() {
        Http2Downgrade.Fields f = fields(get().add("host", "www.example.com").add("content-length", "42"));
        assertThat(f.method().toString()).isEqualTo("GET");
        assertThat(f.path().toString()).isEqualTo("/a?b=c");
        assertThat(f.authority().toString()).isEqualTo("www.example.com");
        assertThat(f.hostBesideAuthority().toString()).isEqualTo("www.example.com");
        assertThat(f.contentLength()).isEqualTo(42);
        Http2Downgrade.Fields hostOnly = fields(new DefaultHttp2Headers(false).method("GET").scheme("https").path("/")
                .add("host", "a.test"));
        assertThat(hostOnly.authority().toString()).isEqualTo("a.test");
        assertThat(hostOnly.hostBesideAuthority()).isNull();
        assertThat(hostOnly.contentLength()).isEqualTo(-1);
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
        assertThat(validate(h)).contains(why);
    }

    @Test
    void pseudoHeadersMustBeThereOnceAndPathMustBeAPath() {
        assertThat(validate(new DefaultHttp2Headers(false).method("GET").scheme("https"))).isNotNull();
        assertThat(validate(get().add(":method", "POST"))).isNotNull();
        assertThat(validate(get().path("relative"))).contains(":path");
        assertThat(validate(get().path("/a b"))).contains(":path");
        assertThat(validate(get().add("te", "trailers"))).isNull();
        assertThat(validate(get().add("content-length", "5").add("content-length", "6")))
                .contains("conflicting");
    }

    @Test
    void theHttp11HeadCarriesTheForwardingFieldsAndJoinsCookies() {
        Http2Headers h = get().add("cookie", "a=1").add("cookie", "b=2").add("x-forwarded-for", "10.0.0.1")
                .add("via", "1.1 front").add("accept", "*/*");
        ByteBuf out = Unpooled.buffer();
        Http2Downgrade.writeRequest(h, fields(h), out, "203.0.113.7".getBytes(StandardCharsets.US_ASCII),
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
        Http2Downgrade.writeRequest(h, fields(h), out, "192.0.2.9".getBytes(StandardCharsets.US_ASCII),
                "https".getBytes(StandardCharsets.US_ASCII), true, "edge-1".getBytes(StandardCharsets.US_ASCII),
                "a.test", false, true);
        String head = out.toString(StandardCharsets.ISO_8859_1);
        out.release();
        assertThat(head).contains("Content-Length: 0\r\n").contains("X-Forwarded-For: 10.0.0.1, 192.0.2.9\r\n");
    }

    @Test
    void theLoopGuardReadsVia() {
        Http2Headers named = get().add("via", "1.1 a, 2 edge-1");
        Http2Headers other = get().add("via", "1.1 edge-10");
        byte[] local = "local".getBytes();
        assertThat(Http2Downgrade.loops(named, fields(named), "edge-1".getBytes(), local)).isTrue();
        assertThat(Http2Downgrade.loops(other, fields(other), "edge-1".getBytes(), local)).isFalse();
        assertThat(Http2Downgrade.loops(get(), fields(get()), "edge-1".getBytes(), local)).isFalse();
    }

    /**
     * Another predictor forwarded the request by another route than this one would: their tables
     * disagree on the site, and forwarding it would send it back across (SPEC §6). By the same
     * route it goes on (the two sides agree: this side serves it).
     */
    @Test
    void theLoopGuardReadsAnotherPredictorsRoute() {
        Http2Headers fromA = get().add("via", "1.1 cdn, 1.1 pred-a (predictor local)");
        byte[] me = "pred-b".getBytes();
        assertThat(Http2Downgrade.loops(fromA, fields(fromA), me, "legacy".getBytes())).as("back across").isTrue();
        assertThat(Http2Downgrade.loops(fromA, fields(fromA), me, "local".getBytes())).as("served here").isFalse();
        Http2Headers comment = get().add("via", "1.1 squid (squid/5.7)");
        assertThat(Http2Downgrade.loops(comment, fields(comment), me, "legacy".getBytes())).isFalse();
        assertThat(new String(HeadWriter.predictorVia("pred-b", "legacy"))).isEqualTo("pred-b (predictor legacy)");
    }
}

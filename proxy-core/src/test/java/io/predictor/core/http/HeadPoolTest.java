package io.predictor.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeadPoolTest {

    @Test
    void aReturnedHeadIsLentAgain() {
        HeadPool pool = new HeadPool(16 * 1024, 100);
        HttpHead h = pool.acquire();
        assertThat(pool.lent()).isEqualTo(1);
        pool.release(h);
        assertThat(pool.lent()).isZero();
        assertThat(pool.acquire()).isSameAs(h);
        assertThat(pool.made()).isEqualTo(1);
    }

    @Test
    void keepsAtMostItsBudgetOfSpareHeads() {
        HeadPool pool = new HeadPool(16 * 1024, 100);
        // ~18.5 KB a head at the defaults: 4 MiB keeps ~220 of them
        assertThat(pool.capacity()).isBetween(200, 230);
        List<HttpHead> burst = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            burst.add(pool.acquire());
        }
        burst.forEach(pool::release);
        assertThat(pool.lent()).isZero();
        assertThat(pool.spare()).as("the burst's peak is not pinned").isEqualTo(pool.capacity());
    }

    @Test
    void bigHeadsStillKeepAFew() {
        HeadPool pool = new HeadPool(1024 * 1024, 1000);
        assertThat(pool.capacity()).isEqualTo(HeadPool.MIN_SPARE);
    }

    @Test
    void aHeadStartsSmallAndGrowsToTheHeadsItHolds() {
        HeadParser parser = new HeadParser(16 * 1024, 100, 8 * 1024);
        HttpHead h = new HeadPool(16 * 1024, 100).acquire();
        assertThat(h.bytes().length).isEqualTo(HttpHead.INITIAL_BYTES);
        String cookie = "c=" + "x".repeat(5000);
        io.netty.buffer.ByteBuf big = io.netty.buffer.Unpooled.copiedBuffer(
                "GET /big HTTP/1.1\r\nHost: big.example\r\nCookie: " + cookie + "\r\n\r\n",
                java.nio.charset.StandardCharsets.US_ASCII);
        int len = parser.parseRequest(big, h);
        assertThat(len).isGreaterThan(5000);
        assertThat(h.bytes().length).isEqualTo(8192);
        assertThat(h.host()).isEqualTo("big.example");
        assertThat(h.valueEnd[1] - h.valueStart[1]).as("the Cookie value, whole").isEqualTo(cookie.length());
        assertThat(h.bytes()[h.valueEnd[1] - 1]).isEqualTo((byte) 'x');
        io.netty.buffer.ByteBuf max = io.netty.buffer.Unpooled.copiedBuffer(
                "GET / HTTP/1.1\r\nHost: m.example\r\nX: " + "y".repeat(16 * 1024 - 48) + "\r\n\r\n",
                java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(parser.parseRequest(max, h)).as("a head of the largest size still fits").isPositive();
        assertThat(h.bytes().length).isEqualTo(16 * 1024 + HttpHead.SLACK);
        big.release();
        max.release();
    }

    @Test
    void aHeadFromThePoolParsesLikeANewOne() {
        HeadParser parser = new HeadParser(16 * 1024, 100, 8 * 1024);
        HeadPool pool = new HeadPool(16 * 1024, 100);
        HttpHead h = pool.acquire();
        io.netty.buffer.ByteBuf first = io.netty.buffer.Unpooled.copiedBuffer(
                "GET /a-long-path?with=query HTTP/1.1\r\nHost: first.example\r\nCookie: secret=1\r\nX-A: b\r\n\r\n",
                java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(parser.parseRequest(first, h)).isPositive();
        pool.release(h);
        HttpHead again = pool.acquire();
        assertThat(again).isSameAs(h);
        io.netty.buffer.ByteBuf second = io.netty.buffer.Unpooled.copiedBuffer(
                "GET / HTTP/1.1\r\nHost: second.example\r\n\r\n", java.nio.charset.StandardCharsets.US_ASCII);
        int len = parser.parseRequest(second, again);
        assertThat(len).isPositive();
        assertThat(again.length()).isEqualTo(len);
        assertThat(again.host()).isEqualTo("second.example");
        assertThat(again.target()).isEqualTo("/");
        assertThat(again.headerCount).as("nothing of the earlier request's fields").isEqualTo(1);
        first.release();
        second.release();
    }
}

package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.predictor.core.http.ProxyResponses;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.TestProxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client side's own answers, without sockets: a {@link ClientConnection} in an
 * {@link EmbeddedChannel} (no origin is ever needed for these).
 */
class ClientConnectionTest {

    /** What each completed exchange looked like at its end (the view is only valid in the callback). */
    record Done(int status, String route, String target, String method, String failure) {
    }

    private final List<Done> completed = new ArrayList<>();
    private EmbeddedChannel channel;

    private EmbeddedChannel channel() {
        SiteTable.Builder b = new SiteTable.Builder(2, 64, 0, 0);
        b.add("down.example.com", SiteState.MAINTENANCE, null);
        Router router = new Router(RoutingSnapshot.of(b.build(), 0, SiteState.MAINTENANCE));
        ExchangeListener record = new ExchangeListener() {
            @Override
            public void started(ExchangeInfo e) {
            }

            @Override
            public void completed(ExchangeInfo e, long endNanos) {
                completed.add(new Done(e.status(), e.route() == null ? null : e.route().wireName(), e.target(),
                        e.method(), e.failure() == null ? null : e.failure().kind()));
            }
        };
        FrontendContext shared = new FrontendContext(TestProxy.settings(),
                new ListenerSettings("test", null, a -> false), router, Map.of(), new ProxyResponses(), record,
                new DrainState(), "http");
        channel = new EmbeddedChannel(new ClientConnection(shared));
        return channel;
    }

    @AfterEach
    void release() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void maintenanceSiteGets503WithRetryAfterAndTheConnectionStaysOpen() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: down.example.com\r\n\r\n", StandardCharsets.US_ASCII));
        String out = drain(ch);
        assertThat(out).startsWith("HTTP/1.1 503 Service Unavailable\r\n").contains("Retry-After: 120\r\n")
                .doesNotContain("Connection: close");
        assertThat(ch.isOpen()).isTrue();
        assertThat(completed).hasSize(1);
        assertThat(completed.get(0).status()).isEqualTo(503);
        assertThat(completed.get(0).route()).isEqualTo("maintenance");
    }

    @Test
    void pipelinedMaintenanceRequestsAreAnsweredInOrder() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET /1 HTTP/1.1\r\nHost: down.example.com\r\n\r\n"
                + "GET /2 HTTP/1.1\r\nHost: unknown.example\r\n\r\n", StandardCharsets.US_ASCII));
        String out = drain(ch);
        assertThat(out.split("HTTP/1.1 503", -1)).hasSize(3);
        assertThat(completed).extracting(Done::target).containsExactly("/1", "/2");
    }

    @Test
    void requestWithABodyForAMaintenanceSiteClosesAfterTheAnswer() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("POST / HTTP/1.1\r\nHost: down.example.com\r\nContent-Length: 5\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(drain(ch)).startsWith("HTTP/1.1 503").contains("Connection: close\r\n");
        ch.runPendingTasks();
        assertThat(ch.isOpen()).as("the unread body cannot be skipped safely").isFalse();
    }

    @Test
    void malformedRequestGets400AndTheConnectionCloses() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(drain(ch)).startsWith("HTTP/1.1 400 Bad Request").contains("Connection: close");
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(completed.get(0).failure()).isEqualTo("bad_request");
        assertThat(completed.get(0).method()).as("an unparsed head is not reported").isNull();
    }

    @Test
    void http10RequestIsAnsweredAndClosed() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.0\r\nHost: down.example.com\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(drain(ch)).startsWith("HTTP/1.1 503").contains("Connection: close");
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }
}

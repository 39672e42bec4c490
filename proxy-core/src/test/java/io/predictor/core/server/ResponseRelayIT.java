package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Whole responses that arrive in one read with their head (the small-response fast path: head
 * and body leave in one buffer) and those just past it, relayed byte for byte, kept alive.
 */
class ResponseRelayIT {

    private static SiteTable sites() {
        SiteTable.Builder b = new SiteTable.Builder(1, 64, 0, 0);
        b.add("new.example.com", SiteState.MIGRATED, null);
        return b.build();
    }

    /** An origin that answers every request with {@code response.get()}, written in one go. */
    private static RawOrigin origin(AtomicReference<String> response) throws Exception {
        return new RawOrigin(s -> {
            while (RawOrigin.readHead(s.getInputStream()) != null) {
                RawOrigin.write(s, response.get());
            }
        });
    }

    @Test
    void smallAndLargerBodiesWithLengthOrChunksAreRelayedExactlyOnOneKeptAliveConnection() throws Exception {
        AtomicReference<String> response = new AtomicReference<>();
        try (RawOrigin o = origin(response);
                TestProxy proxy = new TestProxy(sites(), o.address(), o.address());
                RawClient c = new RawClient(proxy.address())) {
            for (int size : new int[] {0, 1, 100, 4096, 4097, 70_000}) {
                String body = "b".repeat(size);
                response.set("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\nX-Size: " + size + "\r\n\r\n" + body);
                RawClient.Response r = c.get("new.example.com", "/len" + size);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("x-size")).isEqualTo(Integer.toString(size));
                assertThat(r.bodyText()).isEqualTo(body);

                response.set("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + (size == 0 ? "" : Integer.toHexString(size) + "\r\n" + body + "\r\n") + "0\r\n\r\n");
                r = c.get("new.example.com", "/chunked" + size);
                assertThat(r.status()).isEqualTo(201);
                assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
                assertThat(r.bodyText()).isEqualTo(body);
            }
            response.set("HTTP/1.1 204 No Content\r\n\r\n");
            assertThat(c.get("new.example.com", "/none").status()).isEqualTo(204);
            response.set("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
            c.send("HEAD /head HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            RawClient.Response head = c.read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("5");
            response.set("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            assertThat(c.get("new.example.com", "/after").bodyText()).as("still in step").isEqualTo("ok");
        }
    }

    @Test
    void invalidChunkedFramingInTheFirstReadSendsTheHeadThenCloses() throws Exception {
        AtomicReference<String> response = new AtomicReference<>(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot hex\r\n0\r\n\r\n");
        try (RawOrigin o = origin(response);
                TestProxy proxy = new TestProxy(sites(), o.address(), o.address());
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET / HTTP/1.1\r\nHost: new.example.com\r\n\r\n");
            String all = new String(c.input().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(all).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("not hex");
        }
    }
}

package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Message heads are lent per exchange ({@link io.predictor.core.http.HeadPool}): a connection
 * holds one from its request's parse to the end of its exchange, and an idle kept-alive
 * connection holds none — so thousands of idle connections cost no head memory, and a new
 * connection makes no head garbage.
 */
class HeadPoolIT {

    private static SiteTable sites() {
        SiteTable.Builder b = new SiteTable.Builder(4, 256, 0, 0);
        b.add("shop.example.com", SiteState.LEGACY, "filer-1");
        return b.build();
    }

    /** An origin answering each request with its path. */
    private static RawOrigin origin() throws Exception {
        return new RawOrigin(s -> {
            while (true) {
                String head = RawOrigin.readHead(s.getInputStream());
                if (head == null) {
                    return;
                }
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + path.length() + "\r\n\r\n" + path);
            }
        });
    }

    private static ProxyServer.HeadUse use(TestProxy proxy) throws Exception {
        return proxy.server().headUse().get(5, TimeUnit.SECONDS);
    }

    @Test
    void idleKeptAliveConnectionsHoldNoHead() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try (RawOrigin origin = origin(); TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address())) {
            for (int i = 0; i < 200; i++) {
                RawClient c = new RawClient(proxy.address());
                clients.add(c);
                assertThat(c.get("shop.example.com", "/" + i).bodyText()).isEqualTo("/" + i);
            }
            ProxyServer.HeadUse u = use(proxy);
            assertThat(u.lent()).as("200 idle kept-alive connections hold no head").isZero();
            // one exchange at a time: a client head and an origin head, whatever the connection count
            assertThat(u.made()).as("heads made for 200 connections, one request each").isLessThanOrEqualTo(2);
            assertThat(u.spare()).isEqualTo((int) u.made());
            for (RawClient c : clients) {
                assertThat(c.get("shop.example.com", "/again").bodyText()).as("still usable").isEqualTo("/again");
            }
            assertThat(use(proxy).lent()).isZero();
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void aPartialHeadWaitsInTheReadBufferNotInAHead() throws Exception {
        try (RawOrigin origin = origin(); TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address());
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /slowly HTTP/1.1\r\nHost: shop.exa");
            Thread.sleep(200);
            assertThat(use(proxy).lent()).as("half a head is only bytes in the read buffer").isZero();
            c.send("mple.com\r\n\r\n");
            assertThat(c.read().bodyText()).isEqualTo("/slowly");
            assertThat(use(proxy).lent()).isZero();
        }
    }

    @Test
    void aHeldRequestKeepsItsHeadUntilItIsAnswered() throws Exception {
        try (RawOrigin origin = origin(); TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address());
                RawClient c = new RawClient(proxy.address())) {
            proxy.set("shop.example.com", SiteState.HOLD);
            c.send("GET /parked HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            Thread.sleep(200);
            assertThat(use(proxy).lent()).as("the parked request's head").isEqualTo(1);
            proxy.set("shop.example.com", SiteState.MIGRATED);
            assertThat(c.read().bodyText()).as("forwarded from the head it kept").isEqualTo("/parked");
            assertThat(use(proxy).lent()).isZero();
        }
    }

    @Test
    void pipelinedRequestsEachGetTheirOwnAnswer() throws Exception {
        try (RawOrigin origin = origin(); TestProxy proxy = new TestProxy(sites(), origin.address(), origin.address());
                RawClient c = new RawClient(proxy.address())) {
            StringBuilder three = new StringBuilder();
            for (int i = 1; i <= 3; i++) {
                three.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: shop.example.com\r\n\r\n");
            }
            c.send(three.toString());
            for (int i = 1; i <= 3; i++) {
                assertThat(c.read().bodyText()).isEqualTo("/p" + i);
            }
            ProxyServer.HeadUse u = use(proxy);
            assertThat(u.lent()).isZero();
            assertThat(u.made()).as("each exchange reuses the head the previous one gave back").isLessThanOrEqualTo(2);
        }
    }
}

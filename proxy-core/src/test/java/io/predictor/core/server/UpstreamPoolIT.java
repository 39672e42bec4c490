package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Upstream pooling and health, found by review (each case failed before): a WebSocket tunnel
 * closed by its origin kept its server counted busy (least_conn skewed for good); the retry after
 * a keep-alive race answered 503 when the only other server was down; a server that accepts
 * connections and resets every request was never ejected (each connect cleared its failures).
 */
class UpstreamPoolIT {

    private static SiteTable sites() {
        return UpstreamHealthIT.sites();
    }

    private static InetSocketAddress closedPort() throws Exception {
        return UpstreamHealthIT.closedPort();
    }

    /** Answers a WebSocket upgrade with 101 and then closes the tunnel itself; any other request with its name. */
    private static RawOrigin wsOrigin(String name) throws Exception {
        return new RawOrigin(s -> {
            InputStream in = s.getInputStream();
            while (true) {
                String head = RawOrigin.readHead(in);
                if (head == null) {
                    return;
                }
                if (head.contains("Upgrade: websocket")) {
                    RawOrigin.write(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
                    return; // the origin ends the tunnel (socket closed by RawOrigin)
                }
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + name.length() + "\r\n\r\n" + name);
            }
        });
    }

    /**
     * least_conn: a WebSocket tunnel that the origin closes never gives its connection back to the
     * pool (OriginConnection.channelInactive, TUNNEL branch, no pool.release), so busy[server]
     * stays +1 forever and least_conn sends everything to the other server.
     */
    @Test
    void tunnelClosedByOriginDoesNotSkewLeastConn() throws Exception {
        try (RawOrigin a = wsOrigin("a"); RawOrigin b = wsOrigin("b");
                TestProxy proxy = new TestProxy(sites(),
                        new PoolSettings("local", List.of(a.address(), b.address()), PoolSettings.Balance.LEAST_CONN),
                        new PoolSettings("legacy", List.of(a.address()), PoolSettings.Balance.ROUND_ROBIN),
                        TestProxy.settings(), ExchangeListener.NONE)) {
            try (RawClient ws = new RawClient(proxy.address())) {
                ws.send("GET /ws HTTP/1.1\r\nHost: new.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                assertThat(ws.read().status()).isEqualTo(101);
                assertThat(ws.closedByPeer()).isTrue(); // the tunnel is over on both sides
            }
            Thread.sleep(200);
            Set<String> served = new HashSet<>();
            List<String> order = new ArrayList<>();
            try (RawClient c = new RawClient(proxy.address())) {
                for (int i = 0; i < 8; i++) {
                    String body = c.get("new.example.com", "/").bodyText();
                    served.add(body);
                    order.add(body);
                }
            }
            // nothing is in flight: equal servers must share sequential requests (ties broken round-robin)
            assertThat(served).as("servers that got 8 sequential requests: " + order).containsExactlyInAnyOrder("a", "b");
        }
    }

    /**
     * A kept-alive connection to B that B closes just as it is reused (the case retries exist
     * for): the GET is retried with avoid=B; A is down by the active check, so pick() finds
     * nothing and the client gets 503 "no server" although B is up and a fresh connection works.
     */
    @Test
    void keepAliveRaceRetryFallsBackToSameServerWhenOthersAreDown() throws Exception {
        PoolSettings.HealthCheck check = new PoolSettings.HealthCheck("/healthz", 50, 500, 2, 2);
        try (RawOrigin b = new RawOrigin(s -> {
                    InputStream in = s.getInputStream();
                    int n = 0;
                    while (true) {
                        String head = RawOrigin.readHead(in);
                        if (head == null) {
                            return;
                        }
                        if (head.startsWith("GET /healthz")) {
                            RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                            return;
                        }
                        if (++n == 2) {
                            return; // keep-alive timeout race: closes as the second request arrives
                        }
                        RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
                    }
                });
                TestProxy proxy = new TestProxy(sites(),
                        new PoolSettings("local", List.of(closedPort(), b.address()), PoolSettings.Balance.ROUND_ROBIN, check),
                        new PoolSettings("legacy", List.of(b.address()), PoolSettings.Balance.ROUND_ROBIN),
                        TestProxy.settings(), ExchangeListener.NONE)) {
            Thread.sleep(500); // the first server is down by the active check
            try (RawClient c = new RawClient(proxy.address())) {
                assertThat(c.get("new.example.com", "/").bodyText()).isEqualTo("b");
                RawClient.Response r = c.get("new.example.com", "/"); // goes on the kept-alive connection
                assertThat(r.status()).as("retry of an idempotent GET after a keep-alive race, other server down").isEqualTo(200);
            }
        }
    }

    /**
     * Passive ejection: a server that accepts connections but resets every request is never
     * ejected, because each new connection's recordSuccess() zeroes the failure count that
     * failed() just raised. POSTs (never retried) keep getting 502 from it, one in two, forever.
     */
    @Test
    void serverThatResetsEveryRequestIsEjected() throws Exception {
        try (RawOrigin bad = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    s.setSoLinger(true, 0); // reset, no answer
                });
                RawOrigin good = new RawOrigin(s -> {
                    InputStream in = s.getInputStream();
                    while (true) {
                        String head = RawOrigin.readHead(in);
                        if (head == null) {
                            return;
                        }
                        RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ng");
                    }
                });
                TestProxy proxy = new TestProxy(sites(),
                        new PoolSettings("local", List.of(bad.address(), good.address()), PoolSettings.Balance.ROUND_ROBIN),
                        new PoolSettings("legacy", List.of(good.address()), PoolSettings.Balance.ROUND_ROBIN),
                        TestProxy.settings(), ExchangeListener.NONE)) {
            int errors = 0;
            for (int i = 0; i < 12; i++) {
                try (RawClient c = new RawClient(proxy.address())) {
                    c.send("POST /order HTTP/1.1\r\nHost: new.example.com\r\nContent-Length: 0\r\n\r\n");
                    if (c.read().status() != 200) {
                        errors++;
                    }
                }
            }
            assertThat(errors).as("502s from a server that resets every request (EJECT_AFTER = 3)")
                    .isLessThanOrEqualTo(ServerHealthAccess.EJECT_AFTER);
            assertThat(bad.accepted()).isLessThanOrEqualTo(ServerHealthAccess.EJECT_AFTER);
        }
    }

    private static final class ServerHealthAccess {
        static final int EJECT_AFTER = io.predictor.core.upstream.ServerHealth.EJECT_AFTER;
    }
}

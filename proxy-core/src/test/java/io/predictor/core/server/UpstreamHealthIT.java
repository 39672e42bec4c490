package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Dead and failing pool members: retried around, ejected, checked, and 503 when none is left. */
class UpstreamHealthIT {

    static SiteTable sites() {
        SiteTable.Builder b = new SiteTable.Builder(1, 64, 0, 0);
        b.add("new.example.com", SiteState.MIGRATED, null);
        return b.build();
    }

    static InetSocketAddress closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
    }

    /** Answers every request; /healthz with 200 while {@code healthy}, else 500. */
    private static RawOrigin origin(String name, AtomicBoolean healthy) throws Exception {
        return new RawOrigin(s -> {
            while (true) {
                String head = RawOrigin.readHead(s.getInputStream());
                if (head == null) {
                    return;
                }
                boolean check = head.startsWith("GET /healthz");
                String status = check && !healthy.get() ? "500 Down" : "200 OK";
                RawOrigin.write(s, "HTTP/1.1 " + status + "\r\nContent-Length: " + name.length() + "\r\n\r\n" + name);
            }
        });
    }

    @Test
    void deadPoolMemberIsAvoidedWithoutAnErrorReachingClients() throws Exception {
        try (RawOrigin alive = origin("alive", new AtomicBoolean(true));
                TestProxy proxy = new TestProxy(sites(),
                        new PoolSettings("local", List.of(closedPort(), alive.address()), PoolSettings.Balance.ROUND_ROBIN),
                        new PoolSettings("legacy", List.of(alive.address()), PoolSettings.Balance.ROUND_ROBIN),
                        TestProxy.settings(), ExchangeListener.NONE)) {
            for (int i = 0; i < 10; i++) {
                try (RawClient c = new RawClient(proxy.address())) {
                    assertThat(c.get("new.example.com", "/").bodyText()).isEqualTo("alive");
                }
            }
        }
    }

    @Test
    void deadPoolGives502() throws Exception {
        try (TestProxy proxy = new TestProxy(sites(),
                new PoolSettings("local", List.of(closedPort(), closedPort()), PoolSettings.Balance.LEAST_CONN),
                new PoolSettings("legacy", List.of(closedPort()), PoolSettings.Balance.ROUND_ROBIN),
                TestProxy.settings(), ExchangeListener.NONE)) {
            for (int i = 0; i < 5; i++) {
                try (RawClient c = new RawClient(proxy.address())) {
                    assertThat(c.get("new.example.com", "/").status()).isEqualTo(502);
                }
            }
        }
    }

    @Test
    void activeCheckTakesAFailingServerOutAndAllDownGives503() throws Exception {
        AtomicBoolean aHealthy = new AtomicBoolean(true);
        AtomicBoolean bHealthy = new AtomicBoolean(true);
        PoolSettings.HealthCheck check = new PoolSettings.HealthCheck("/healthz", 50, 500, 2, 2);
        try (RawOrigin a = origin("a", aHealthy); RawOrigin b = origin("b", bHealthy);
                TestProxy proxy = new TestProxy(sites(),
                        new PoolSettings("local", List.of(a.address(), b.address()), PoolSettings.Balance.ROUND_ROBIN, check),
                        new PoolSettings("legacy", List.of(a.address()), PoolSettings.Balance.ROUND_ROBIN),
                        TestProxy.settings(), ExchangeListener.NONE);
                RawClient c = new RawClient(proxy.address())) {
            aHealthy.set(false);
            Thread.sleep(400);
            for (int i = 0; i < 6; i++) {
                assertThat(c.get("new.example.com", "/").bodyText()).isEqualTo("b");
            }
            bHealthy.set(false);
            Thread.sleep(400);
            assertThat(c.get("new.example.com", "/").status()).isEqualTo(503);
            aHealthy.set(true);
            Thread.sleep(400);
            assertThat(c.get("new.example.com", "/").bodyText()).isEqualTo("a");
        }
    }
}

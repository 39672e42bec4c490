package io.predictor.core.testing;

import io.predictor.core.routing.GroupOverride;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteOverride;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.server.ExchangeListener;
import io.predictor.core.server.ListenerSettings;
import io.predictor.core.server.PoolSettings;
import io.predictor.core.server.ProxyServer;
import io.predictor.core.server.ProxySettings;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** A data plane on an ephemeral loopback port, for socket tests. */
public final class TestProxy implements AutoCloseable {

    public static final String INSTANCE = "predictor-test";

    private final ProxyServer server;
    private final Router router;
    private final InetSocketAddress address;
    private final SiteTable base;
    private final List<SiteOverride> overrides = new ArrayList<>();
    private long revision;

    public TestProxy(SiteTable base, InetSocketAddress local, InetSocketAddress legacy) throws InterruptedException {
        this(base, local, legacy, settings(), ExchangeListener.NONE);
    }

    public TestProxy(SiteTable base, InetSocketAddress local, InetSocketAddress legacy, ProxySettings settings,
            ExchangeListener listener) throws InterruptedException {
        this(base, new PoolSettings("local", List.of(local), PoolSettings.Balance.ROUND_ROBIN),
                new PoolSettings("legacy", List.of(legacy), PoolSettings.Balance.ROUND_ROBIN), settings, listener);
    }

    public TestProxy(SiteTable base, PoolSettings local, PoolSettings legacy, ProxySettings settings,
            ExchangeListener listener) throws InterruptedException {
        this.base = base;
        this.router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
        this.server = new ProxyServer(settings, local, legacy);
        this.address = server.bindHttp(new ListenerSettings("http", new InetSocketAddress("127.0.0.1", 0),
                a -> a.isLoopbackAddress() && false), router, listener);
    }

    public static ProxySettings settings() {
        return new ProxySettings(INSTANCE, 1, "auto", 2000, 10_000, 60_000, 5_000, 30_000, 5_000,
                16 * 1024, 100, 1000, ".preview.test");
    }

    public InetSocketAddress address() {
        return address;
    }

    public Router router() {
        return router;
    }

    public ProxyServer server() {
        return server;
    }

    /** Sets one site's state at runtime, as the admin API would. */
    public synchronized void set(String host, SiteState state) {
        overrides.removeIf(o -> o.host().equals(host));
        overrides.add(new SiteOverride(host, state, null, ++revision));
        router.publish(RoutingSnapshot.of(base, overrides, List.<GroupOverride>of(), revision, SiteState.LEGACY));
    }

    @Override
    public void close() {
        server.close();
    }
}

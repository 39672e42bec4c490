package io.predictor.core.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.predictor.core.http.HeadPool;
import io.predictor.core.routing.Route;
import io.predictor.core.server.PoolSettings;
import io.predictor.core.server.ProxySettings;
import io.predictor.core.server.Transport;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The {@code local} and {@code legacy} pools, one instance of each per event loop, built once
 * at start, with the loop's {@link HeadPool} that its origin and client connections share. A
 * client connection looks its loop's pools up once, when it is registered.
 */
public final class OriginPools {

    private final Map<EventExecutor, ForLoop> byLoop = new IdentityHashMap<>();
    private final ServerHealth localHealth;
    private final ServerHealth legacyHealth;

    public OriginPools(EventLoopGroup group, PoolSettings local, PoolSettings legacy, ProxySettings proxy,
            Transport transport) {
        this.localHealth = new ServerHealth(local.servers().size());
        this.legacyHealth = new ServerHealth(legacy.servers().size());
        for (EventExecutor e : group) {
            EventLoop loop = (EventLoop) e;
            // one pool of message heads per loop, for its client and origin connections alike
            HeadPool heads = new HeadPool(proxy.maxHeaderSize(), proxy.maxHeaders());
            OriginPool[] pools = new OriginPool[Route.values().length];
            pools[Route.LOCAL.ordinal()] = new OriginPool(local, proxy, loop, transport, localHealth, heads);
            pools[Route.LEGACY.ordinal()] = new OriginPool(legacy, proxy, loop, transport, legacyHealth, heads);
            byLoop.put(e, new ForLoop(pools, heads));
        }
    }

    /** What one event loop gets: its pools, indexed by {@link Route#ordinal()}, and its message heads. */
    private record ForLoop(OriginPool[] pools, HeadPool heads) {
    }

    private ForLoop of(EventLoop loop) {
        ForLoop l = byLoop.get(loop);
        if (l == null) {
            throw new IllegalStateException("event loop " + loop + " is not one of the data plane's");
        }
        return l;
    }

    /** The shared health of a route's pool (what the active checker updates). */
    public ServerHealth health(Route route) {
        return route == Route.LOCAL ? localHealth : legacyHealth;
    }

    /** The pools of one event loop, indexed by {@link Route#ordinal()}. */
    public OriginPool[] forLoop(EventLoop loop) {
        return of(loop).pools();
    }

    /** The message heads of one event loop ({@link HeadPool}), shared by its client and origin connections. */
    public HeadPool headsFor(EventLoop loop) {
        return of(loop).heads();
    }
}

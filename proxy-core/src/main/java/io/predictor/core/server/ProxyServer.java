package io.predictor.core.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.predictor.core.http.ProxyResponses;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.Router;
import io.predictor.core.tls.CertificateStore;
import io.predictor.core.upstream.HealthChecker;
import io.predictor.core.upstream.OriginPool;
import io.predictor.core.upstream.OriginPools;
import io.predictor.core.upstream.ServerHealth;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The data plane: one event loop group (one loop per configured thread) that accepts on every
 * listener and runs both sides of every relay, the origin pools of each loop, and a graceful
 * drain for SIGTERM.
 */
public final class ProxyServer implements AutoCloseable {

    /** Connections closed by one task of {@link #closeIdleConnections}. */
    static final int CLOSE_BATCH = 128;
    /** How long the drain waits, after its deadline, for the 503s of the requests still held to be written. */
    static final long HELD_ANSWER_MILLIS = 1000;

    private final ProxySettings settings;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Map<EventExecutor, LoopState> loops = new IdentityHashMap<>();
    private final Set<Router> watchedRouters = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final ConnectionLimiter limiter;
    private final DrainState drain = new DrainState();
    private final HoldGate holdGate = new HoldGate();
    private final HealthChecker healthChecker = new HealthChecker();
    private volatile HealthChecker.Listener healthListener = (pool, server, up) -> { };
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final List<Channel> serverChannels = new ArrayList<>();
    private final Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
    private final Map<String, ConnectionLimiter> listenerLimiters = new ConcurrentHashMap<>();

    private final PoolSettings localPool;
    private final PoolSettings legacyPool;
    private final OriginPools pools;

    /** The certificates of each terminating TLS listener, by listener name. */
    private final Map<String, CertificateStore> certificateStores = new ConcurrentHashMap<>();

    public ProxyServer(ProxySettings settings, PoolSettings local, PoolSettings legacy) {
        this.settings = settings;
        this.localPool = local;
        this.legacyPool = legacy;
        this.transport = Transport.select(settings.transport(), settings.allocator());
        this.group = new MultiThreadIoEventLoopGroup(settings.eventLoops(),
                new DefaultThreadFactory("predictor-io", true), transport.ioHandlerFactory());
        this.pools = new OriginPools(group, local, legacy, settings, transport);
        healthChecker.watch(local, pools.health(Route.LOCAL), (pool, server, up) -> healthListener.changed(pool, server, up));
        healthChecker.watch(legacy, pools.health(Route.LEGACY), (pool, server, up) -> healthListener.changed(pool, server, up));
        for (EventExecutor e : group) {
            loops.put(e, new LoopState(pools.forLoop((EventLoop) e), pools.headsFor((EventLoop) e), holdGate));
        }
        this.limiter = new ConnectionLimiter(settings.maxConnections());
    }

    /** Where server up/down changes of the active health checks are reported (the event log). */
    public void onHealthChange(HealthChecker.Listener listener) {
        this.healthListener = listener;
    }

    public String transportName() {
        return transport.name();
    }

    /** {@code pooled} or {@code adaptive}: the allocator of every data-plane channel. */
    public String allocatorName() {
        return transport.allocatorName();
    }

    /** The allocator of every data-plane channel (for metrics binders). */
    public io.netty.buffer.ByteBufAllocator allocator() {
        return transport.allocator();
    }

    /** The data plane's event loops (for metrics binders). */
    public EventLoopGroup eventLoops() {
        return group;
    }

    /** Open client connections over all listeners. */
    public int openConnections() {
        return limiter.open();
    }

    /** Open client connections of one listener (0 for a name that is not bound). */
    public int openConnections(String listener) {
        ConnectionLimiter l = listenerLimiters.get(listener);
        return l == null ? 0 : l.listenerOpen();
    }

    /** The settings of a forwarding route's pool ({@link Route#LOCAL} or {@link Route#LEGACY}). */
    public PoolSettings pool(Route route) {
        return switch (route) {
            case LOCAL -> localPool;
            case LEGACY -> legacyPool;
            default -> throw new IllegalArgumentException(route + " has no pool");
        };
    }

    /** Whether each server of a forwarding route's pool may take requests (active checks, passive ejection). */
    public ServerHealth originHealth(Route route) {
        return pools.health(route);
    }

    /** Binds a plain HTTP listener; returns the bound address (port 0 picks a free one). */
    public InetSocketAddress bindHttp(ListenerSettings listener, Router router, ExchangeListener exchanges)
            throws InterruptedException {
        FrontendContext shared = frontend(listener, router, exchanges, "http");
        return bind(listener, new ClientPipelineInitializer(shared, listenerLimiter(listener), clients), false);
    }

    /**
     * Binds a TLS listener that terminates TLS with the certificates of {@code certificates}
     * (chosen by SNI) and serves HTTP/1.1 and HTTP/2 by ALPN.
     */
    public InetSocketAddress bindTls(ListenerSettings listener, Router router, ExchangeListener exchanges,
            CertificateStore certificates) throws InterruptedException {
        FrontendContext shared = frontend(listener, router, exchanges, "https");
        certificateStores.put(listener.name(), certificates);
        return bind(listener, new ClientPipelineInitializer(shared, listenerLimiter(listener), clients,
                ClientPipelineInitializer.Kind.TLS, certificates, null, null), false);
    }

    /** Re-reads the certificate directory of every TLS listener now (SIGHUP); the watchers do it on change too. */
    public void reloadCertificates() {
        certificateStores.values().forEach(CertificateStore::reload);
    }

    /** The certificate store of each terminating TLS listener, by listener name (for metrics). */
    public Map<String, CertificateStore> certificateStores() {
        return Map.copyOf(certificateStores);
    }

    /**
     * Binds a TLS passthrough listener: connections are routed by their ClientHello's SNI and
     * relayed, still encrypted, to the {@code tls_servers} of the local or legacy pool.
     */
    public InetSocketAddress bindPassthrough(ListenerSettings listener, Router router) throws InterruptedException {
        FrontendContext shared = frontend(listener, router, ExchangeListener.NONE, "https");
        OriginDialer[] dialers = new OriginDialer[Route.values().length];
        PoolSettings.ProxyProtocol[] proxy = new PoolSettings.ProxyProtocol[Route.values().length];
        for (Route r : new Route[] {Route.LOCAL, Route.LEGACY}) {
            PoolSettings pool = r == Route.LOCAL ? localPool : legacyPool;
            dialers[r.ordinal()] = new OriginDialer(pool.tlsServers(), transport, settings.connectTimeoutMillis());
            proxy[r.ordinal()] = pool.proxyProtocol();
        }
        return bind(listener, new ClientPipelineInitializer(shared, listenerLimiter(listener), clients,
                ClientPipelineInitializer.Kind.PASSTHROUGH, null, dialers, proxy), true);
    }

    /** Binds a TCP relay listener: every connection is relayed as bytes to one of {@code target}'s servers. */
    public InetSocketAddress bindTcp(ListenerSettings listener, PoolSettings target) throws InterruptedException {
        FrontendContext shared = frontend(listener, null, ExchangeListener.NONE, "tcp");
        OriginDialer[] dialers = {new OriginDialer(target.servers(), transport, settings.connectTimeoutMillis())};
        PoolSettings.ProxyProtocol[] proxy = {target.proxyProtocol()};
        return bind(listener, new ClientPipelineInitializer(shared, listenerLimiter(listener), clients,
                ClientPipelineInitializer.Kind.TCP, null, dialers, proxy), true);
    }

    private FrontendContext frontend(ListenerSettings listener, Router router, ExchangeListener exchanges, String proto) {
        if (router != null) {
            watchHeld(router);
        }
        return new FrontendContext(settings, listener, router, loops, new ProxyResponses(), exchanges, drain, proto);
    }

    private InetSocketAddress bind(ListenerSettings listener, ClientPipelineInitializer initializer, boolean relay)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, relay)
                .childOption(ChannelOption.ALLOCATOR, transport.allocator())
                .childHandler(initializer);
        Channel ch = b.bind(listener.bind()).sync().channel();
        serverChannels.add(ch);
        InetSocketAddress addr = (InetSocketAddress) ch.localAddress();
        bound.put(listener.name(), addr);
        return addr;
    }

    /** The listener's connection counter, sharing the proxy-wide {@code limits.max_connections}. */
    private ConnectionLimiter listenerLimiter(ListenerSettings listener) {
        return listenerLimiters.computeIfAbsent(listener.name(), n -> limiter.forListener());
    }

    /** After every table change, requests parked in {@code hold} are looked at again on their loops. */
    private synchronized void watchHeld(Router router) {
        if (watchedRouters.add(router)) {
            router.onPublish(() -> {
                for (Map.Entry<EventExecutor, LoopState> e : loops.entrySet()) {
                    LoopState state = e.getValue();
                    e.getKey().execute(() -> state.held.forEach(HeldExchange::reroute));
                }
            });
        }
    }

    /**
     * Counts the exchanges in flight that were routed by a snapshot older than
     * {@code beforeRevision} and that {@code matcher} selects, by route (the drain barrier).
     */
    public CompletableFuture<InflightCount> inflight(long beforeRevision, SiteMatcher matcher) {
        return onEveryLoop(state -> {
            int[] n = new int[2];
            state.inflight.forEach(c -> {
                if (c.routedBefore(beforeRevision) && c.matches(matcher)) {
                    n[c.route() == Route.LOCAL ? 0 : 1]++;
                }
            });
            return new InflightCount(n[0], n[1]);
        }).thenApply(counts -> counts.stream().reduce(new InflightCount(0, 0), InflightCount::plus));
    }

    /**
     * Every exchange in flight by route, over all loops (the {@code predictor_inflight_requests}
     * gauge): forwarded exchanges (requests, upgraded WebSockets) under their route, requests
     * parked in {@code hold} under {@link Route#HOLD}. Maintenance answers are never in flight.
     * Counted on each loop from its own lists, so it never drifts, whatever kind of exchange.
     */
    public CompletableFuture<Map<Route, Integer>> inflightByRoute() {
        return onEveryLoop(state -> {
            int[] n = new int[Route.values().length];
            state.inflight.forEach(c -> n[c.route().ordinal()]++);
            n[Route.HOLD.ordinal()] += state.held.size();
            return n;
        }).thenApply(counts -> {
            Map<Route, Integer> byRoute = new EnumMap<>(Route.class);
            for (Route r : Route.values()) {
                int sum = 0;
                for (int[] n : counts) {
                    sum += n[r.ordinal()];
                }
                byRoute.put(r, sum);
            }
            return byRoute;
        });
    }

    /**
     * The message heads of every event loop ({@link io.predictor.core.http.HeadPool}): lent (held
     * by an exchange now), spare (kept for the next) and made since start; counted on each loop.
     */
    public CompletableFuture<HeadUse> headUse() {
        return onEveryLoop(state -> new HeadUse(state.heads.lent(), state.heads.spare(), state.heads.made()))
                .thenApply(all -> {
                    int lent = 0;
                    int spare = 0;
                    long made = 0;
                    for (HeadUse u : all) {
                        lent += u.lent();
                        spare += u.spare();
                        made += u.made();
                    }
                    return new HeadUse(lent, spare, made);
                });
    }

    /** What {@link #headUse} counts. */
    public record HeadUse(int lent, int spare, long made) {
    }

    /** Closes the exchanges {@link #inflight} would count (long-lived WebSockets, stuck requests); returns how many. */
    public CompletableFuture<Integer> closeInflight(long beforeRevision, SiteMatcher matcher) {
        return onEveryLoop(state -> {
            int[] n = new int[1];
            state.inflight.forEach(c -> {
                if (c.routedBefore(beforeRevision) && c.matches(matcher)) {
                    n[0]++;
                    c.abort();
                }
            });
            return n[0];
        }).thenApply(counts -> counts.stream().mapToInt(Integer::intValue).sum());
    }

    /**
     * Closes every client connection that has no exchange in flight — HTTP/1 connections waiting
     * for their next request, HTTP/2 connections without a stream (GOAWAY) — and returns how many.
     * For when the heap runs short: an idle connection holds a few KB of it, and closing it is
     * what {@code timeouts.request_headers} or {@code timeouts.idle} would do later; a client
     * opens a new one when it has a request. Connections still in their TLS handshake, TLS
     * passthrough and TCP relays are left alone.
     *
     * <p>Each loop closes its connections {@value #CLOSE_BATCH} at a time, with a pass of its I/O
     * between batches: closing a TLS connection writes a last record (close_notify, and GOAWAY over
     * HTTP/2) through a buffer of up to ~17 KB that is freed only once the write completes. Closing
     * 18,000 of them in one task needed ~300 MB of direct memory at once: past
     * {@code MaxDirectMemorySize} the JDK calls {@code System.gc()} and sleeps between retries,
     * on the event loop, with a full heap: back-to-back full collections.
     */
    public CompletableFuture<Integer> closeIdleConnections() {
        return this.<Integer>onEveryLoopAsync((loop, state, done) -> {
            List<Channel> mine = new ArrayList<>();
            for (Channel ch : clients) {
                if (ch.eventLoop() == loop) {
                    mine.add(ch);
                }
            }
            closeIdle(loop, mine, 0, 0, done);
        }).thenApply(counts -> counts.stream().mapToInt(Integer::intValue).sum());
    }

    /** Closes the idle ones among {@code channels} from {@code from} on, a batch a pass of {@code loop}. */
    private static void closeIdle(EventExecutor loop, List<Channel> channels, int from, int closedBefore,
            CompletableFuture<Integer> done) {
        int closed = closedBefore;
        int end = Math.min(channels.size(), from + CLOSE_BATCH);
        try {
            for (int i = from; i < end; i++) {
                Drainable d = drainable(channels.get(i));
                if (d != null && d.closeIfIdle()) {
                    closed++;
                }
            }
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
            return;
        }
        if (end == channels.size()) {
            done.complete(closed);
            return;
        }
        int soFar = closed;
        // scheduled, not executed: a task added now would run in this same pass, before the
        // writes of this batch complete and give their buffers back
        loop.schedule(() -> closeIdle(loop, channels, end, soFar, done), 1, TimeUnit.MILLISECONDS);
    }

    /** The client connection's handler that can be drained or closed when idle, or null (a relay, a TLS handshake). */
    private static Drainable drainable(Channel ch) {
        for (Map.Entry<String, ChannelHandler> h : ch.pipeline()) {
            if (h.getValue() instanceof Drainable d) {
                return d;
            }
        }
        return null;
    }

    private <T> CompletableFuture<List<T>> onEveryLoop(java.util.function.Function<LoopState, T> task) {
        return onEveryLoopAsync((loop, state, done) -> done.complete(task.apply(state)));
    }

    /** Work on one event loop that completes {@code done}, then or later (in batches: {@link #closeIdle}). */
    private interface LoopTask<T> {
        void run(EventExecutor loop, LoopState state, CompletableFuture<T> done);
    }

    /** Runs {@code task} on every event loop; the results, once each loop has completed its own. */
    private <T> CompletableFuture<List<T>> onEveryLoopAsync(LoopTask<T> task) {
        List<CompletableFuture<T>> futures = new ArrayList<>();
        for (Map.Entry<EventExecutor, LoopState> e : loops.entrySet()) {
            CompletableFuture<T> f = new CompletableFuture<>();
            e.getKey().execute(() -> {
                try {
                    task.run(e.getKey(), e.getValue(), f);
                } catch (RuntimeException ex) {
                    f.completeExceptionally(ex);
                }
            });
            futures.add(f);
        }
        return CompletableFuture.allOf(futures.toArray(new CompletableFuture[0]))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

    /**
     * Until {@code nanoTime} ({@code System.nanoTime()}; a time already past ends an earlier
     * refusal), a request for a site in {@code hold} is answered at once as if its hold had timed
     * out (503; over TLS passthrough a handshake-failure alert) instead of being parked: the heap
     * guard's answer to a heap nearly full of live data. Requests already parked stay parked. Any
     * thread.
     */
    public void refuseHoldsUntil(long nanoTime) {
        holdGate.closeUntil(nanoTime);
    }

    /** Requests for {@code group} (a group of the sites file in {@code base}) over the last minute, all loops. */
    public CompletableFuture<Long> groupRequestsLastMinute(io.predictor.core.routing.SiteTable base, String group) {
        int id = base.groupId(group);
        long now = System.nanoTime();
        return onEveryLoop(state -> state.traffic.lastMinute(base, id, now))
                .thenApply(counts -> counts.stream().mapToLong(Long::longValue).sum());
    }

    /** Listener name to bound address. */
    public Map<String, InetSocketAddress> boundAddresses() {
        return Map.copyOf(bound);
    }

    /**
     * Stops accepting, lets in-flight exchanges finish (connections close after their current
     * response) up to {@code timeouts.drain}, then closes what is left. Returns whether every
     * connection finished on its own.
     */
    public boolean drain() throws InterruptedException {
        drain.start();
        for (Channel ch : serverChannels) {
            ch.close().sync();
        }
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> {
                Drainable d = drainable(ch);
                if (d != null) {
                    d.drain();
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.drainTimeoutMillis());
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (answerHeld() > 0) {
            // their 503s on their way out: a moment for them before what is left is cut
            long written = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HELD_ANSWER_MILLIS);
            while (!clients.isEmpty() && System.nanoTime() < written) {
                Thread.sleep(20);
            }
        }
        boolean clean = clients.isEmpty();
        clients.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        return clean;
    }

    /**
     * Answers every request still parked in {@code hold} with the 503 its hold timeout would
     * give (a connection cut at the drain's deadline tells the client nothing: a retry may repeat
     * a request, a 503 with Retry-After says it was not processed). Returns how many there were.
     */
    private int answerHeld() throws InterruptedException {
        try {
            return onEveryLoop(state -> {
                int n = state.held.size();
                state.held.forEach(HeldExchange::holdEnded);
                return n;
            }).get(1, TimeUnit.SECONDS).stream().mapToInt(Integer::intValue).sum();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return 1; // some loop did not say: answers may be on their way, so give them their moment
        }
    }

    /** Closes the kept-alive origin connections on their own loops, and waits (briefly) until they are closed. */
    private void closeOriginConnections() {
        for (Map.Entry<EventExecutor, LoopState> e : loops.entrySet()) {
            if (e.getKey().isShuttingDown()) {
                continue;
            }
            List<ChannelFuture> closing = new ArrayList<>();
            e.getKey().submit(() -> {
                for (OriginPool pool : e.getValue().pools) {
                    pool.closeIdle(closing);
                }
            }).awaitUninterruptibly(1, TimeUnit.SECONDS);
            for (ChannelFuture f : closing) {
                f.awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() {
        healthChecker.close();
        certificateStores.values().forEach(CertificateStore::close);
        for (Channel ch : serverChannels) {
            ch.close();
        }
        clients.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        closeOriginConnections();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}

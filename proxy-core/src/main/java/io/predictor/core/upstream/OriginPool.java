package io.predictor.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.predictor.core.http.Failure;
import io.predictor.core.http.HeadPool;
import io.predictor.core.server.PoolSettings;
import io.predictor.core.server.ProxySettings;
import io.predictor.core.server.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * The origin connections of one pool on one event loop (pools are keyed by server and event
 * loop, as in Zuul and Netty's HexDumpProxy, so no lock is ever taken). Kept-alive connections
 * wait in a per-server stack, newest first, and are reused; a new one is opened on the same
 * event loop as the client it serves. Not thread-safe: used only from its own loop.
 */
public final class OriginPool {

    /** Idle connections kept per server and event loop. */
    static final int MAX_IDLE_PER_SERVER = 256;
    /** Connections being opened at once per pool and event loop; past it requests get 503 (no queue grows without bound). */
    static final int MAX_PENDING = 4096;

    private final PoolSettings settings;
    private final ProxySettings proxy;
    private final InetSocketAddress[] servers;
    private final String[] serverNames;
    private final ArrayDeque<OriginConnection>[] idle;
    private final int[] busy;
    private final Bootstrap bootstrap;
    private final ServerHealth health;
    /** This loop's message heads: a connection holds one only while it parses and relays a response head. */
    private final HeadPool heads;
    private int next;
    private int pending;

    @SuppressWarnings("unchecked")
    OriginPool(PoolSettings settings, ProxySettings proxy, EventLoop loop, Transport transport, ServerHealth health,
            HeadPool heads) {
        this.settings = settings;
        this.heads = heads;
        this.health = health;
        this.proxy = proxy;
        this.servers = settings.servers().toArray(new InetSocketAddress[0]);
        this.serverNames = new String[servers.length];
        this.idle = new ArrayDeque[servers.length];
        this.busy = new int[servers.length];
        for (int i = 0; i < servers.length; i++) {
            idle[i] = new ArrayDeque<>();
            serverNames[i] = servers[i].getHostString() + ":" + servers[i].getPort();
        }
        OriginPool pool = this;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, transport.allocator())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) proxy.connectTimeoutMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("origin", new OriginConnection(pool, proxy, heads));
                    }
                });
    }

    public String name() {
        return settings.name();
    }

    /**
     * Finds a connection for {@code exchange}: a kept-alive one when there is one (unless
     * {@code fresh}), else a new one. Calls {@link Exchange#originReady} or
     * {@link Exchange#originFailed}, possibly before this method returns.
     */
    public void acquire(Exchange exchange, boolean fresh) {
        acquire(exchange, fresh, -1, 0);
    }

    /**
     * A new connection for a retry (a kept-alive connection closed as it was reused): to another
     * server than {@code failedServer} when one is available, else to that same server again on
     * a new connection, before panic mode. The server is not at fault: its kept-alive connection
     * simply timed out (found by review: with the only other server down, the retry was a 503).
     */
    public void acquireForRetry(Exchange exchange, int failedServer) {
        long now = System.nanoTime();
        int server = pick(failedServer, now, true);
        if (server < 0 && health.available(failedServer, now)) {
            server = failedServer;
        }
        if (server < 0) {
            server = pick(failedServer, now, false);
        }
        connectTo(server, exchange, 0);
    }

    /**
     * @param avoid    a server that just failed this request (-1: none)
     * @param attempts connection attempts already made for it
     */
    private void acquire(Exchange exchange, boolean fresh, int avoid, int attempts) {
        int server = pick(avoid);
        if (!fresh && server >= 0 && pending < MAX_PENDING) {
            OriginConnection c = settings.proxyProtocol() == PoolSettings.ProxyProtocol.NONE
                    ? takeIdle(idle[server]) : takeIdleFrom(idle[server], clientAddress(exchange));
            if (c != null) {
                busy[server]++;
                c.attach(exchange, true);
                exchange.originReady(c);
                return;
            }
        }
        connectTo(server, exchange, attempts);
    }

    /** A new connection to {@code server} (-1: none available) for {@code exchange}. */
    private void connectTo(int server, Exchange exchange, int attempts) {
        if (server < 0 || pending >= MAX_PENDING) {
            exchange.originFailed(Failure.NO_SERVER, false, false);
            return;
        }
        busy[server]++;
        pending++;
        ChannelFuture f = bootstrap.connect(servers[server]);
        f.addListener((ChannelFuture done) -> {
            pending--;
            if (done.isSuccess()) {
                // not a success for passive ejection yet: a server that accepts connections and
                // resets every request would be cleared by each connect (found by review);
                // succeeded() counts a whole response
                OriginConnection c = done.channel().pipeline().get(OriginConnection.class);
                c.server(server);
                if (settings.proxyProtocol() != PoolSettings.ProxyProtocol.NONE) {
                    // the PROXY header goes first, once per connection: the origin sees the client's address
                    c.write(ProxyHeader.encode(done.channel().alloc(), settings.proxyProtocol(), exchange.endpoints()));
                    c.proxiedClient(clientAddress(exchange));
                }
                c.attach(exchange, false);
                exchange.originReady(c);
                return;
            }
            busy[server]--;
            health.recordFailure(server, System.nanoTime());
            if (attempts + 1 < servers.length && pick(server) >= 0) {
                // nothing was sent yet: another server may take the request
                acquire(exchange, true, server, attempts + 1);
                return;
            }
            exchange.originFailed(done.cause() instanceof ConnectTimeoutException
                    ? Failure.CONNECT_TIMEOUT : Failure.CONNECT_REFUSED, false, false);
        });
    }

    private static OriginConnection takeIdle(ArrayDeque<OriginConnection> stack) {
        OriginConnection c;
        while ((c = stack.pollFirst()) != null) {
            if (c.channel().isActive()) {
                return c;
            }
        }
        return null;
    }

    /**
     * For a pool that is sent PROXY headers: an idle connection opened for the same client
     * address, whose header therefore still tells the truth (newest first).
     */
    private static OriginConnection takeIdleFrom(ArrayDeque<OriginConnection> stack, InetAddress client) {
        java.util.Iterator<OriginConnection> it = stack.iterator();
        while (it.hasNext()) {
            OriginConnection c = it.next();
            if (!c.channel().isActive()) {
                it.remove();
            } else if (java.util.Objects.equals(c.proxiedClient(), client)) {
                it.remove();
                return c;
            }
        }
        return null;
    }

    private static InetAddress clientAddress(Exchange exchange) {
        ClientEndpoints e = exchange.endpoints();
        return e == null || e.client() == null ? null : e.client().getAddress();
    }

    /**
     * The next server by the pool's balance among those available, or -1 when none is. When
     * passive ejection has left out every server that the active check holds up, ejection is
     * ignored (Envoy's "panic mode"): a guess is better than refusing the whole pool.
     */
    private int pick(int avoid) {
        long now = System.nanoTime();
        int server = pick(avoid, now, true);
        return server >= 0 ? server : pick(avoid, now, false);
    }

    private int pick(int avoid, long now, boolean honourEjection) {
        int n = servers.length;
        if (settings.balance() == PoolSettings.Balance.LEAST_CONN && n > 1) {
            // least busy on this event loop, ties broken round-robin so equal servers share load
            int start = next;
            next = next + 1 == n ? 0 : next + 1;
            int best = -1;
            for (int k = 0; k < n; k++) {
                int i = (start + k) % n;
                if (i != avoid && usable(i, now, honourEjection) && (best < 0 || busy[i] < busy[best])) {
                    best = i;
                }
            }
            return best;
        }
        for (int k = 0; k < n; k++) {
            int i = next;
            next = i + 1 == n ? 0 : i + 1;
            if (i != avoid && usable(i, now, honourEjection)) {
                return i;
            }
        }
        return -1;
    }

    private boolean usable(int server, long now, boolean honourEjection) {
        return honourEjection ? health.available(server, now) : health.isUp(server);
    }

    /** A connection to {@code server} failed mid-exchange (reset, invalid response): passive ejection counts it. */
    void failed(int server) {
        health.recordFailure(server, System.nanoTime());
    }

    /** {@code server} answered a whole response: its run of failures, for passive ejection, ends. */
    void succeeded(int server) {
        health.recordSuccess(server);
    }

    /** Returns a connection after its exchange: kept for reuse, or closed. */
    void release(OriginConnection c, boolean reusable) {
        int server = c.server();
        busy[server]--;
        if (reusable && c.channel().isActive() && idle[server].size() < MAX_IDLE_PER_SERVER) {
            idle[server].addFirst(c);
            c.channel().read(); // a pending read notices the origin closing it while idle
        } else {
            c.channel().close();
        }
    }

    /**
     * Closes every kept-alive connection (the server is stopping); adds their close futures to
     * {@code closing}. With io_uring an idle connection has an operation in flight (a poll, or a
     * receive holding a buffer where multishot polls are turned back on): closing it while its
     * event loop still runs lets that operation complete (cancelled) and any buffer go back,
     * where shutting the loop down under it would lose the buffer.
     */
    public void closeIdle(java.util.List<ChannelFuture> closing) {
        for (ArrayDeque<OriginConnection> stack : idle) {
            OriginConnection c;
            while ((c = stack.pollFirst()) != null) {
                closing.add(c.channel().close());
            }
        }
    }

    /** Forgets an idle connection that closed or misbehaved. */
    void evict(OriginConnection c) {
        idle[c.server()].remove(c);
    }

    String serverName(int server) {
        return serverNames[server];
    }
}

package io.predictor.core.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Opens one relay connection to a list of servers (a pool's {@code tls_servers}, or a TCP relay
 * target's {@code servers}) on the client's event loop: round robin over the list, the next
 * server when one refuses, until each was tried once.
 */
final class OriginDialer {

    private final List<InetSocketAddress> servers;
    private final Transport transport;
    private final long connectTimeoutMillis;
    private final AtomicInteger next = new AtomicInteger();

    OriginDialer(List<InetSocketAddress> servers, Transport transport, long connectTimeoutMillis) {
        this.servers = servers;
        this.transport = transport;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    boolean hasServers() {
        return !servers.isEmpty();
    }

    /** Connects; {@code handler} makes the new channel's pipeline; exactly one of the callbacks runs, on {@code loop}. */
    void dial(EventLoop loop, Supplier<ChannelHandler> handler, Consumer<Channel> connected, Runnable failed) {
        int start = Math.floorMod(next.getAndIncrement(), servers.size());
        attempt(loop, handler, connected, failed, start, 0);
    }

    private void attempt(EventLoop loop, Supplier<ChannelHandler> handler, Consumer<Channel> connected, Runnable failed,
            int start, int tried) {
        InetSocketAddress server = servers.get((start + tried) % servers.size());
        ChannelFuture f = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOCATOR, transport.allocator())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeoutMillis)
                .handler(handler.get())
                .connect(server);
        f.addListener((ChannelFuture done) -> {
            if (done.isSuccess()) {
                connected.accept(done.channel());
            } else if (tried + 1 < servers.size()) {
                attempt(loop, handler, connected, failed, start, tried + 1);
            } else {
                failed.run();
            }
        });
    }
}

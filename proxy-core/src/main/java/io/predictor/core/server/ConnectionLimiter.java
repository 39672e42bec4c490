package io.predictor.core.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code limits.max_connections}: closes a newly accepted connection when the proxy already
 * holds the maximum, before anything is read from it. One instance per listener, all sharing the
 * proxy-wide count (what the limit applies to); each also counts its own listener's open client
 * connections (the gauge of {@code predictor_active_connections{listener}}).
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private final int max;
    private final AtomicInteger open;
    private final AtomicInteger listenerOpen = new AtomicInteger();

    ConnectionLimiter(int max) {
        this(max, new AtomicInteger());
    }

    private ConnectionLimiter(int max, AtomicInteger open) {
        this.max = max;
        this.open = open;
    }

    /** A limiter for one more listener: the same limit and proxy-wide count, a count of its own. */
    ConnectionLimiter forListener() {
        return new ConnectionLimiter(max, open);
    }

    /** Open client connections over every listener that shares this limit. */
    int open() {
        return open.get();
    }

    /** Open client connections of this limiter's listener. */
    int listenerOpen() {
        return listenerOpen.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            ctx.pipeline().remove(this); // so that channelInactive does not count it down again
            ctx.close();
            return;
        }
        listenerOpen.incrementAndGet();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
        listenerOpen.decrementAndGet();
        ctx.fireChannelInactive();
    }
}

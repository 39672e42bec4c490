package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.predictor.core.server.PoolSettings.ProxyProtocol;
import io.predictor.core.upstream.Cumulation;

/**
 * A TCP relay listener's connection ({@code tcp: { target: POOL }}): opens a connection to one
 * of the pool's servers on the same event loop (PROXY header first if the pool asks for one) and
 * relays bytes both ways with backpressure ({@link RelayHandler}) — the database tunnel between
 * datacentres that a migration keeps up until the last database moves. Nothing is parsed.
 *
 * <p>Pipeline: {@code limit} → [{@code proxy-decoder} → {@code proxy-header}] → [{@code relay}
 * once connected] → {@code tcp} (this).
 */
final class TcpRelayConnection extends ChannelInboundHandlerAdapter {

    private final OriginDialer dialer;
    private final ProxyProtocol proxyProtocol;
    private ByteBuf early;
    private boolean relaying;

    TcpRelayConnection(OriginDialer dialer, ProxyProtocol proxyProtocol) {
        this.dialer = dialer;
        this.proxyProtocol = proxyProtocol;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        // a client that sends its bytes and its FIN at once (`printf 'stats\n' | nc -N`) stays
        // open for the answer while the origin is connected; the relay passes the FIN on
        client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        dialer.dial(client.eventLoop(), () -> new RelayHandler(client), origin -> {
            if (!client.isActive()) {
                origin.close();
                return;
            }
            relaying = true;
            ByteBuf e = early;
            early = null;
            RelayStart.begin(ctx, origin, proxyProtocol, e);
        }, ctx::close);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (relaying || !(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        early = Cumulation.append(ctx.alloc(), early, buf); // bytes that came with the PROXY header
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        early = Cumulation.release(early);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

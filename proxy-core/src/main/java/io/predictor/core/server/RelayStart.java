package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.predictor.core.server.PoolSettings.ProxyProtocol;
import io.predictor.core.upstream.ClientEndpoints;
import io.predictor.core.upstream.ProxyHeader;

/** The moment a relay goes live: PROXY header and early bytes to the origin, relay handlers on both sides. */
final class RelayStart {

    private RelayStart() {
    }

    /**
     * @param client     the client side's context (the handler that set the relay up)
     * @param early      bytes read from the client before the origin was connected (ownership passes), or null
     */
    static void begin(ChannelHandlerContext client, Channel origin, ProxyProtocol proxyProtocol, ByteBuf early) {
        ByteBuf header = ProxyHeader.encode(origin.alloc(), proxyProtocol, ClientEndpoints.of(client.channel()));
        if (header != null) {
            origin.write(header, origin.voidPromise());
        }
        if (early != null) {
            if (early.isReadable()) {
                origin.write(early, origin.voidPromise());
            } else {
                early.release();
            }
        }
        origin.flush();
        client.pipeline().addBefore(client.name(), "relay", new RelayHandler(origin));
        RelayHandler.start(client.channel(), origin);
    }
}

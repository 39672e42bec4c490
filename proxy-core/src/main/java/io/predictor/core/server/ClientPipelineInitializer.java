package io.predictor.core.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Where a client connection's request goes, read top to bottom — the table of contents of the
 * data plane:
 *
 * <pre>
 *  client bytes
 *     │
 *  limit   ConnectionLimiter     limits.max_connections; counts open connections
 *  idle    IdleStateHandler      timeouts.idle: closes a connection with nothing to do
 *  client  ClientConnection      parse head (HeadParser) → route by Host (Router/RoutingSnapshot)
 *                                  ├─ maintenance/hold → 503 page (ProxyResponses)
 *                                  ├─ Via names us     → 508 (loop guard)
 *                                  └─ local/legacy     → OriginPool of this event loop
 *                                                          → OriginConnection: head (HeadWriter),
 *                                                            body (BodyFramer), response back
 * </pre>
 */
final class ClientPipelineInitializer extends ChannelInitializer<Channel> {

    private final FrontendContext shared;
    private final ConnectionLimiter limiter;
    private final ChannelGroup open;

    ClientPipelineInitializer(FrontendContext shared, ConnectionLimiter limiter, ChannelGroup open) {
        this.shared = shared;
        this.limiter = limiter;
        this.open = open;
    }

    @Override
    protected void initChannel(Channel ch) {
        open.add(ch);
        ch.pipeline()
                .addLast("limit", limiter)
                .addLast("idle", new IdleStateHandler(0, 0, shared.settings.idleTimeoutMillis(), TimeUnit.MILLISECONDS))
                .addLast("client", new ClientConnection(shared));
    }
}

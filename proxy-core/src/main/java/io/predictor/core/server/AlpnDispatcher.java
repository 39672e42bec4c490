package io.predictor.core.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * After the TLS handshake, builds the rest of the pipeline for the protocol ALPN chose
 * ({@code h2} → {@link Http2Frontend}; {@code http/1.1}, or no ALPN → {@link ClientConnection}),
 * then removes itself. It also starts reading the connection, whose {@code AUTO_READ} is off.
 */
final class AlpnDispatcher extends ApplicationProtocolNegotiationHandler {

    private final ClientPipelineInitializer pipelines;

    AlpnDispatcher(ClientPipelineInitializer pipelines) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.pipelines = pipelines;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.fireChannelActive();
        ctx.read(); // the ClientHello; the TLS handlers read on until the handshake is done
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            pipelines.addHttp2Handlers(ctx.pipeline());
        } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
            pipelines.addHttp1Handlers(ctx.pipeline()).start();
        } else {
            ctx.close();
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a client that does not finish its handshake is routine on the internet: no log
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

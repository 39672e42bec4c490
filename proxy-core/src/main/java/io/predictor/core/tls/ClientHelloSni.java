package io.predictor.core.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

/**
 * First handler of a TLS passthrough listener: reads the ClientHello's SNI without terminating
 * TLS (Netty's {@link AbstractSniHandler} parsing, bounded by {@code maxClientHelloLength} and
 * {@code timeoutMillis}), fires a {@link Sni} event with the name (null: none sent), then removes
 * itself so that every byte it held goes on, unchanged, to the relay behind it. Input that is not
 * a TLS ClientHello closes the connection.
 */
public final class ClientHelloSni extends AbstractSniHandler<String> {

    /** The SNI of a ClientHello (null when the client sent none). */
    public record Sni(String hostname) {
    }

    private boolean notClientHello;

    public ClientHelloSni(int maxClientHelloLength, long timeoutMillis) {
        super(maxClientHelloLength, timeoutMillis);
    }

    @Override
    protected Future<String> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) throws Exception {
        notClientHello = clientHello == null;
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected Future<String> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(hostname);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<String> future) {
        if (notClientHello) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(new Sni(hostname));
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // not TLS, a ClientHello over the bound, a reset
    }
}

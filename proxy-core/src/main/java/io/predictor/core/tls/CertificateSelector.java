package io.predictor.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;

/**
 * First handler of a terminating TLS listener: waits for the ClientHello (at most
 * {@code maxClientHelloLength} bytes and {@code handshakeTimeoutMillis}), picks the certificate
 * for its SNI from the {@link CertificateStore}, records it on the channel
 * ({@link ServerCertificate#CHANNEL_ATTRIBUTE}, for the 421 check) and replaces itself with an
 * {@link SslHandler} whose handshake is bounded by the same timeout. Netty's
 * {@link SniHandler} does the parsing and the bounds.
 */
public final class CertificateSelector extends SniHandler {

    private final CertificateStore store;

    public CertificateSelector(CertificateStore store, int maxClientHelloLength, long handshakeTimeoutMillis) {
        super((io.netty.util.Mapping<String, SslContext>) name -> store.select(name).context(),
                maxClientHelloLength, handshakeTimeoutMillis);
        this.store = store;
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
        ServerCertificate c = store.select(hostname);
        ctx.channel().attr(ServerCertificate.CHANNEL_ATTRIBUTE).set(c);
        return ctx.executor().newSucceededFuture(c.context());
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        SslHandler handler = context.newHandler(allocator);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // not TLS, a ClientHello over the bound, a reset: expected from the internet; the close is the answer
        ctx.close();
    }
}

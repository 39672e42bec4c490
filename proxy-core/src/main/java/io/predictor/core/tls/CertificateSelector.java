package io.predictor.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * First handler of a terminating TLS listener: waits for the ClientHello (at most
 * {@code maxClientHelloLength} bytes and {@code handshakeTimeoutMillis}), picks the certificate
 * for its SNI from the {@link CertificateStore}, records it on the channel
 * ({@link ServerCertificate#CHANNEL_ATTRIBUTE}, for the 421 check) and replaces itself with an
 * {@link SslHandler} whose handshake is bounded by the same timeout. Netty's
 * {@link SniHandler} does the parsing and the bounds, and holds the ClientHello while a
 * certificate's context is being built (its first handshake, or after an eviction). A pair the
 * TLS engine refuses when its context is built gets the default certificate instead.
 */
public final class CertificateSelector extends SniHandler {

    private final CertificateStore store;

    public CertificateSelector(CertificateStore store, int maxClientHelloLength, long handshakeTimeoutMillis) {
        super((io.netty.util.Mapping<String, SslContext>) name -> {
            throw new IllegalStateException("unused: lookup(ctx, hostname) is overridden");
        }, maxClientHelloLength, handshakeTimeoutMillis);
        this.store = store;
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
        ServerCertificate c = store.select(hostname);
        ctx.channel().attr(ServerCertificate.CHANNEL_ATTRIBUTE).set(c);
        SslContext built = store.retainedContext(c);
        if (built != null) {
            return ctx.executor().newSucceededFuture(built);
        }
        Promise<SslContext> promise = ctx.executor().newPromise();
        buildThenComplete(ctx, c, promise);
        return promise;
    }

    private void buildThenComplete(ChannelHandlerContext ctx, ServerCertificate c, Promise<SslContext> promise) {
        store.retainedContextLater(c).whenComplete((context, failure) -> {
            if (failure == null) {
                if (!promise.trySuccess(context)) {
                    ReferenceCountUtil.release(context);
                }
                return;
            }
            ServerCertificate fallback = store.defaultCertificate();
            if (fallback == c) {
                promise.tryFailure(failure); // the default refused as well: the connection closes
                return;
            }
            // refused by the engine (reported by the store): the default certificate, as for an unknown name
            ctx.channel().attr(ServerCertificate.CHANNEL_ATTRIBUTE).set(fallback);
            buildThenComplete(ctx, fallback, promise);
        });
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        try {
            SslHandler handler = context.newHandler(allocator);
            handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
            return handler;
        } finally {
            ReferenceCountUtil.release(context); // the lookup's reference; the engine holds its own
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // not TLS, a ClientHello over the bound, a reset: expected from the internet; the close is the answer
        ctx.close();
    }
}

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
 * certificate's context is being built (its first handshake, or after an eviction). When the build
 * fails — the TLS engine refuses the pair, its files cannot be read again just now, or a reload
 * replaced it since it was selected — the handshake selects again: the pair's successor, else the
 * default certificate.
 */
public final class CertificateSelector extends SniHandler {

    private final CertificateStore store;
    /**
     * When the ClientHello and the handshake after it must both be done (one per connection: a
     * selector is made for each). Netty's SNI handler bounds only the wait for the ClientHello;
     * the handshake gets what is left of the same timeout, not a whole one more (found by review:
     * a ClientHello dripped until just before its deadline held the connection for nearly twice
     * the timeout).
     */
    private long deadlineNanos;

    public CertificateSelector(CertificateStore store, int maxClientHelloLength, long handshakeTimeoutMillis) {
        super((io.netty.util.Mapping<String, SslContext>) name -> {
            throw new IllegalStateException("unused: lookup(ctx, hostname) is overridden");
        }, maxClientHelloLength, handshakeTimeoutMillis);
        this.store = store;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        deadlineNanos = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(handshakeTimeoutMillis);
        super.handlerAdded(ctx);
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
        buildThenComplete(ctx, hostname, c, promise, 0);
        return promise;
    }

    /** Most certificates a handshake tries after the first one's build failed. */
    private static final int MAX_FALLBACKS = 3;

    private void buildThenComplete(ChannelHandlerContext ctx, String hostname, ServerCertificate c,
            Promise<SslContext> promise, int fallbacks) {
        store.retainedContextLater(c).whenComplete((context, failure) -> {
            if (failure == null) {
                if (!promise.trySuccess(context)) {
                    ReferenceCountUtil.release(context);
                }
                return;
            }
            // a reload replaced or removed the pair since it was selected: its successor, if any;
            // refused by the engine, or its files unreadable just now (both reported by the store):
            // the default certificate, as for an unknown name
            ServerCertificate next = store.select(hostname);
            if (next == c) {
                next = store.defaultCertificate();
            }
            if (next == c || fallbacks == MAX_FALLBACKS) {
                promise.tryFailure(failure); // the default failed as well: the connection closes
                return;
            }
            ctx.channel().attr(ServerCertificate.CHANNEL_ATTRIBUTE).set(next);
            buildThenComplete(ctx, hostname, next, promise, fallbacks + 1);
        });
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        try {
            SslHandler handler = context.newHandler(allocator);
            long leftMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            handler.setHandshakeTimeoutMillis(Math.max(1, leftMillis)); // what the ClientHello left of the timeout
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

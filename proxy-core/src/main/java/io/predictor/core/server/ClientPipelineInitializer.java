package io.predictor.core.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.predictor.core.tls.CertificateSelector;
import io.predictor.core.tls.CertificateStore;
import io.predictor.core.tls.ClientHelloSni;

/**
 * Where a client connection's bytes go, read top to bottom — the table of contents of the data
 * plane, for each kind of listener:
 *
 * <pre>
 *  client bytes
 *     │
 *  limit          ConnectionLimiter      limits.max_connections; counts open connections
 *  proxy-decoder  HAProxyMessageDecoder  ┐ proxy_protocol: true only — PROXY v1/v2 header →
 *  proxy-header   ProxyProtocolReader    ┘ the client's address (X-Forwarded-For, logs, PROXY to pools)
 *     │
 *  ├─ HTTP listener
 *  │  client   ClientConnection      parse head (HeadParser) → route by Host (RoutingSnapshot)
 *  │                                   ├─ maintenance/hold → 503 page / parked (ProxyResponses)
 *  │                                   ├─ Via names us     → 508 (loop guard)
 *  │                                   └─ local/legacy     → OriginPool of this event loop
 *  │                                                           → OriginConnection: head (HeadWriter),
 *  │                                                             body (BodyFramer), response back
 *  ├─ TLS listener
 *  │  sni      CertificateSelector   ClientHello (bounded size and time) → certificate by SNI;
 *  │                                   replaces itself with SslHandler (TLS 1.2/1.3, bounded handshake)
 *  │  alpn     AlpnDispatcher        after the handshake, by ALPN:
 *  │                                   ├─ http/1.1 → client (ClientConnection, https; 421 check)
 *  │                                   └─ h2       → h2-guard (Http2StreamIdGuard), h2
 *  │                                                 (Http2Frontend.Connection → Http2StreamExchange
 *  │                                                 per stream, no child channel → OriginPool)
 *  ├─ TLS passthrough listener
 *  │  sni          ClientHelloSni         reads the SNI, decrypts nothing; removes itself
 *  │  passthrough  PassthroughConnection  route by SNI → alert (maintenance) | tls_servers of the pool
 *  │  (relay       RelayHandler           once connected: bytes both ways, FIN passed on)
 *  └─ TCP relay listener
 *     tcp          TcpRelayConnection     connect to the target pool → relay (RelayHandler)
 * </pre>
 */
final class ClientPipelineInitializer extends ChannelInitializer<Channel> {

    /** Longest ClientHello accepted (post-quantum key shares make them ~2 KB; 16 KiB leaves room). */
    static final int MAX_CLIENT_HELLO_LENGTH = 16 * 1024;

    enum Kind { HTTP, TLS, PASSTHROUGH, TCP }

    private final FrontendContext shared;
    private final ConnectionLimiter limiter;
    private final ChannelGroup open;
    private final Kind kind;
    private final CertificateStore certificates;
    private final OriginDialer[] dialers;
    private final PoolSettings.ProxyProtocol[] proxyProtocols;

    ClientPipelineInitializer(FrontendContext shared, ConnectionLimiter limiter, ChannelGroup open) {
        this(shared, limiter, open, Kind.HTTP, null, null, null);
    }

    ClientPipelineInitializer(FrontendContext shared, ConnectionLimiter limiter, ChannelGroup open, Kind kind,
            CertificateStore certificates, OriginDialer[] dialers, PoolSettings.ProxyProtocol[] proxyProtocols) {
        this.shared = shared;
        this.limiter = limiter;
        this.open = open;
        this.kind = kind;
        this.certificates = certificates;
        this.dialers = dialers;
        this.proxyProtocols = proxyProtocols;
    }

    @Override
    protected void initChannel(Channel ch) {
        open.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast("limit", limiter);
        if (shared.listener.proxyProtocol()) {
            p.addLast("proxy-decoder", new HAProxyMessageDecoder());
            p.addLast("proxy-header", new ProxyProtocolReader(shared.settings.requestHeadersTimeoutMillis()));
        }
        switch (kind) {
            case HTTP:
                // a client's FIN after its request is a half-close, not an abort (ClientConnection)
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                addHttp1Handlers(p);
                break;
            case TLS:
                p.addLast("sni", new CertificateSelector(certificates, MAX_CLIENT_HELLO_LENGTH,
                        shared.settings.requestHeadersTimeoutMillis()));
                p.addLast("alpn", new AlpnDispatcher(this));
                break;
            case PASSTHROUGH:
                p.addLast("sni", new ClientHelloSni(MAX_CLIENT_HELLO_LENGTH, shared.settings.requestHeadersTimeoutMillis()));
                p.addLast("passthrough", new PassthroughConnection(shared, dialers, proxyProtocols));
                break;
            case TCP:
                p.addLast("tcp", new TcpRelayConnection(dialers[0], proxyProtocols[0]));
                break;
            default:
                throw new IllegalStateException("listener kind " + kind);
        }
    }

    /** HTTP/1.x: plain listeners, and TLS connections whose ALPN chose http/1.1 (or none). */
    ClientConnection addHttp1Handlers(ChannelPipeline p) {
        ClientConnection client = new ClientConnection(shared);
        p.addLast("client", client); // its timeouts, idle included, are its own (DeadlineTimer)
        return client;
    }

    /** HTTP/2 over TLS (ALPN h2). */
    void addHttp2Handlers(ChannelPipeline p) {
        Http2Frontend.configure(p, shared);
    }
}

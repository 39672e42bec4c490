package io.predictor.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.server.PoolSettings.ProxyProtocol;
import io.predictor.core.tls.ClientHelloSni;
import io.predictor.core.tls.TlsAlert;
import io.predictor.core.upstream.Cumulation;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A TLS passthrough connection: routed once, by the SNI of its ClientHello
 * ({@link ClientHelloSni}), through the same snapshot as HTTP requests, then relayed to one of
 * the route's pool's {@code tls_servers} without being decrypted ({@link RelayHandler}). A site
 * in {@code maintenance} gets a fatal handshake_failure alert and the close; one in
 * {@code hold} waits (up to {@code timeouts.hold}) for its next state; an invalid SNI gets
 * unrecognized_name. No SNI takes {@code routing.default}. While it is open it counts in
 * its loop's in-flight list, so a drain barrier waits for it (and with {@code close=true} cuts it).
 *
 * <p>Pipeline: {@code limit} → [{@code proxy-decoder} → {@code proxy-header}] → {@code sni}
 * ({@link ClientHelloSni}, gone once read) → [{@code relay} once connected] → {@code passthrough} (this).
 */
final class PassthroughConnection extends ChannelInboundHandlerAdapter implements InflightExchange, HeldExchange {

    private static final int SNI = 0;
    private static final int HELD = 1;
    private static final int CONNECTING = 2;
    private static final int RELAY = 3;
    private static final int CLOSED = 4;

    private final FrontendContext shared;
    /** By route ordinal: where LOCAL and LEGACY relay, and the PROXY header each pool wants. */
    private final OriginDialer[] dialers;
    private final ProxyProtocol[] proxyProtocols;
    private final byte[] host = new byte[HostName.MAX_LENGTH + 2];
    private final ConnectionList.Node<InflightExchange> inflightNode = new ConnectionList.Node<>(this);
    private final ConnectionList.Node<HeldExchange> heldNode = new ConnectionList.Node<>(this);

    private ChannelHandlerContext ctx;
    private LoopState loop;
    private int state = SNI;
    private int hostLength;
    private Route route;
    private RoutingSnapshot routedBy;
    private ByteBuf early;
    private Channel origin;
    private Future<?> holdTimer;

    PassthroughConnection(FrontendContext shared, OriginDialer[] dialers, ProxyProtocol[] proxyProtocols) {
        this.shared = shared;
        this.dialers = dialers;
        this.proxyProtocols = proxyProtocols;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        loop = shared.loops.get(ctx.channel().eventLoop());
        ctx.fireChannelActive();
        ctx.read(); // the ClientHello; the SNI reader asks for more until it has it all
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ClientHelloSni.Sni sni && state == SNI) {
            String name = sni.hostname();
            if (name == null) {
                hostLength = 0;
            } else {
                byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
                hostLength = b.length > HostName.MAX_LENGTH + 16 || !isDnsName(b) ? -1
                        : HostName.normalize(b, 0, b.length, host);
            }
            if (hostLength < 0) {
                alert(TlsAlert.UNRECOGNIZED_NAME);
                return;
            }
            dispatch(shared.router.current());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * Whether an SNI is a DNS name (RFC 6066 §3: no port, no blank, no IP literal): letters,
     * digits, '-', '_', '.'. The Host normaliser behind it strips ports and blanks and takes
     * bracketed IPv6, so {@code www.example.com:443} was relayed, not refused (found by review).
     */
    private static boolean isDnsName(byte[] b) {
        if (b.length == 0) {
            return false;
        }
        for (byte c : b) {
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == CLOSED || state == RELAY || !(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        early = Cumulation.append(ctx.alloc(), early, buf); // the ClientHello and what followed it
    }

    private void dispatch(RoutingSnapshot snapshot) {
        routedBy = snapshot;
        SiteState s = hostLength == 0 ? null : snapshot.stateOf(host, hostLength);
        route = (s == null ? snapshot.defaultState() : s).route();
        if (route == Route.HOLD) {
            if (!loop.mayPark()) {
                alert(TlsAlert.HANDSHAKE_FAILURE);
                return;
            }
            state = HELD;
            loop.held.add(heldNode);
            holdTimer = ctx.executor().schedule(this::holdTimedOut, shared.settings.holdTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
            return;
        }
        if (!route.isForwarded()) {
            alert(TlsAlert.HANDSHAKE_FAILURE); // maintenance: nothing may reach either side
            return;
        }
        OriginDialer dialer = dialers[route.ordinal()];
        if (!dialer.hasServers()) {
            alert(TlsAlert.INTERNAL_ERROR); // the pool has no tls_servers
            return;
        }
        loop.inflight.add(inflightNode);
        state = CONNECTING;
        Channel client = ctx.channel();
        ProxyProtocol proxyProtocol = proxyProtocols[route.ordinal()];
        dialer.dial(client.eventLoop(), () -> new RelayHandler(client), o -> {
            if (state != CONNECTING || !client.isActive()) {
                o.close(); // the client went away, or a barrier's close=true cut it before its channelInactive ran
                return;
            }
            origin = o;
            state = RELAY;
            ByteBuf e = early;
            early = null;
            RelayStart.begin(ctx, o, proxyProtocol, e);
        }, () -> {
            if (state == CONNECTING) {
                alert(TlsAlert.INTERNAL_ERROR);
            }
        });
    }

    @Override
    public void reroute() {
        if (state != HELD) {
            return;
        }
        RoutingSnapshot snapshot = shared.router.current();
        SiteState s = hostLength == 0 ? null : snapshot.stateOf(host, hostLength);
        if ((s == null ? snapshot.defaultState() : s) == SiteState.HOLD) {
            return;
        }
        unpark();
        dispatch(snapshot);
    }

    private void unpark() {
        loop.held.remove(heldNode);
        if (holdTimer != null) {
            holdTimer.cancel(false);
            holdTimer = null;
        }
    }

    @Override
    public void holdEnded() {
        if (holdTimer != null) {
            holdTimer.cancel(false);
        }
        holdTimedOut();
    }

    private void holdTimedOut() {
        holdTimer = null;
        if (state == HELD) {
            unpark();
            alert(TlsAlert.HANDSHAKE_FAILURE);
        }
    }

    /** Refuses the connection the only way TLS allows before a handshake: a fatal alert, then the close. */
    private void alert(int description) {
        state = CLOSED;
        early = Cumulation.release(early);
        if (inflightNode.linked()) {
            loop.inflight.remove(inflightNode);
        }
        ctx.writeAndFlush(TlsAlert.fatal(ctx.alloc(), description)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = CLOSED;
        if (heldNode.linked()) {
            unpark();
        }
        if (inflightNode.linked()) {
            loop.inflight.remove(inflightNode);
        }
        early = Cumulation.release(early);
        if (origin != null) {
            RelayHandler.closeOnFlush(origin);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    // ---- drain barrier ---------------------------------------------------------------------

    @Override
    public Route route() {
        return route;
    }

    @Override
    public boolean routedBefore(long revision) {
        return routedBy != null && routedBy.revision() < revision;
    }

    @Override
    public boolean matches(SiteMatcher matcher) {
        return routedBy != null && matcher.matches(routedBy, host, hostLength);
    }

    @Override
    public void abort() {
        ctx.close();
        if (origin != null) {
            origin.close();
        }
    }
}

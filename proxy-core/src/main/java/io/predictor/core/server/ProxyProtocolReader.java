package io.predictor.core.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.predictor.core.upstream.ClientEndpoints;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * On a listener with {@code proxy_protocol: true}, sits behind Netty's
 * {@link HAProxyMessageDecoder} (which reads a v1 or v2 header and closes the connection on
 * anything else): it holds the {@code channelActive} event back until the header has come, sets
 * the client's and the destination's addresses from it on the channel
 * ({@link ClientEndpoints#ATTRIBUTE}), then lets the connection start and removes itself. A
 * {@code LOCAL} header (a load balancer's health check) or an {@code UNKNOWN} one keeps the
 * socket's addresses. A header that does not come within {@code timeouts.request_headers}
 * closes the connection.
 */
final class ProxyProtocolReader extends ChannelInboundHandlerAdapter {

    private final long timeoutMillis;
    private Future<?> timer;

    ProxyProtocolReader(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> {
            ctx.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage m)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        try {
            if (m.command() == HAProxyCommand.PROXY && (m.proxiedProtocol() == HAProxyProxiedProtocol.TCP4
                    || m.proxiedProtocol() == HAProxyProxiedProtocol.TCP6)) {
                InetSocketAddress source = address(m.sourceAddress(), m.sourcePort());
                InetSocketAddress destination = address(m.destinationAddress(), m.destinationPort());
                if (source == null || destination == null) {
                    ctx.close(); // a header whose addresses are not plain IP literals: refused, as HAProxy does
                    return;
                }
                ctx.channel().attr(ClientEndpoints.ATTRIBUTE).set(new ClientEndpoints(source, destination));
            }
        } finally {
            m.release();
        }
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    /**
     * The address of a PROXY header, or null when it is not what proxy-protocol.txt §2.1 allows:
     * Netty's decoder lets through an IPv6 scope ({@code fe80::1%eth0}), which the JDK could not
     * resolve (the client became null) or kept and sent on in the header to the pools, and IPv4
     * numbers with heading zeroes ({@code 010.0.0.1}, octal to some readers), which the spec
     * forbids (found by review).
     */
    private static InetSocketAddress address(String literal, int port) {
        if (literal == null || literal.indexOf('%') >= 0 || hasHeadingZero(literal)) {
            return null;
        }
        try {
            // an IP literal (the decoder has checked it): no name lookup happens
            return new InetSocketAddress(InetAddress.getByName(literal), port);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** Whether a dotted IPv4 literal has a number with a heading zero ({@code 010}); false for IPv6. */
    private static boolean hasHeadingZero(String literal) {
        if (literal.indexOf(':') >= 0) {
            return false;
        }
        for (int i = 0; i + 1 < literal.length(); i++) {
            boolean startsNumber = i == 0 || literal.charAt(i - 1) == '.';
            if (startsNumber && literal.charAt(i) == '0' && Character.isDigit(literal.charAt(i + 1))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        // the connection never started: the handlers behind never saw channelActive, so they see no end either
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // not a PROXY header: the decoder has closed the connection already
    }
}

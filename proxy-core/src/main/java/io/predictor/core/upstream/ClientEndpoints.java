package io.predictor.core.upstream;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Who a client connection is from and to which address it came: the socket's own addresses, or
 * those of the PROXY protocol header a front load balancer sent (then set on the channel as
 * {@link #ATTRIBUTE}). What the proxy puts in {@code X-Forwarded-For}, the access log and the
 * PROXY header it sends on to a pool.
 *
 * @param client the client's address (null when unknown, e.g. not an IP socket)
 * @param local  the address the client connected to (null when unknown)
 */
public record ClientEndpoints(InetSocketAddress client, InetSocketAddress local) {

    /** Set by the PROXY protocol reader on a connection whose header named the client. */
    public static final AttributeKey<ClientEndpoints> ATTRIBUTE = AttributeKey.valueOf(ClientEndpoints.class, "proxied");

    /** The endpoints of a client connection (or of the connection an HTTP/2 stream belongs to). */
    public static ClientEndpoints of(Channel ch) {
        Channel c = ch.parent() != null && !(ch.parent() instanceof io.netty.channel.ServerChannel) ? ch.parent() : ch;
        ClientEndpoints proxied = c.attr(ATTRIBUTE).get();
        if (proxied != null) {
            return proxied;
        }
        return new ClientEndpoints(inet(c.remoteAddress()), inet(c.localAddress()));
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress isa ? isa : null;
    }
}

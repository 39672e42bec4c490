package io.predictor.core.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Predicate;

/**
 * One client-facing listener.
 *
 * @param trustedProxies peers whose {@code X-Forwarded-For} is kept and appended to
 * @param proxyProtocol  whether every connection starts with a PROXY protocol v1 or v2 header
 *                       (from a front load balancer), whose source address is then the client's
 */
public record ListenerSettings(String name, InetSocketAddress bind, Predicate<InetAddress> trustedProxies,
        boolean proxyProtocol) {

    public ListenerSettings(String name, InetSocketAddress bind, Predicate<InetAddress> trustedProxies) {
        this(name, bind, trustedProxies, false);
    }
}

package io.predictor.core.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Predicate;

/**
 * One client-facing listener.
 *
 * @param trustedProxies peers whose {@code X-Forwarded-For} is kept and appended to
 */
public record ListenerSettings(String name, InetSocketAddress bind, Predicate<InetAddress> trustedProxies) {
}

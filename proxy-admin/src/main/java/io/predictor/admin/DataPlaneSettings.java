package io.predictor.admin;

import io.predictor.admin.config.Cidr;
import io.predictor.admin.config.Config;
import io.predictor.core.server.ListenerSettings;
import io.predictor.core.server.PoolSettings;
import io.predictor.core.server.ProxySettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Predicate;

/** Maps the config file's model onto the data plane's plain settings (core knows no YAML). */
final class DataPlaneSettings {

    private DataPlaneSettings() {
    }

    static ProxySettings proxy(Config c) {
        return proxy(c, c.limits().maxConnections());
    }

    /** The data plane's settings with {@code maxConnections} for {@code limits.max_connections} (lowered to the open-files limit). */
    static ProxySettings proxy(Config c, int maxConnections) {
        Config.Timeouts t = c.timeouts();
        int loops = c.runtime().eventLoops() > 0 ? c.runtime().eventLoops() : Runtime.getRuntime().availableProcessors();
        return new ProxySettings(c.instance(), loops, c.runtime().transport(),
                t.connect().toMillis(), t.requestHeaders().toMillis(), t.idle().toMillis(),
                t.upstreamResponse().toMillis(), t.hold().toMillis(), t.drain().toMillis(),
                (int) c.limits().maxHeaderSize(), c.limits().maxHeaders(), maxConnections,
                c.routing().previewSuffix(), c.runtime().allocator());
    }

    static PoolSettings pool(Config.Pool p) {
        Config.HealthCheck h = p.healthCheck();
        PoolSettings.HealthCheck check = h == null ? null : new PoolSettings.HealthCheck(h.path(),
                h.interval().toMillis(), h.timeout().toMillis(), h.rise(), h.fall());
        return new PoolSettings(p.name(), p.servers().stream().map(DataPlaneSettings::address).toList(),
                p.balance() == Config.Balance.LEAST_CONN ? PoolSettings.Balance.LEAST_CONN : PoolSettings.Balance.ROUND_ROBIN,
                check, p.tlsServers().stream().map(DataPlaneSettings::address).toList(), proxyProtocol(p.proxyProtocol()));
    }

    static PoolSettings.ProxyProtocol proxyProtocol(Config.ProxyProtocol p) {
        switch (p) {
            case V1:
                return PoolSettings.ProxyProtocol.V1;
            case V2:
                return PoolSettings.ProxyProtocol.V2;
            default:
                return PoolSettings.ProxyProtocol.NONE;
        }
    }

    static ListenerSettings listener(Config.Listener l) {
        List<Cidr> trusted = l.trustedProxyCidrs();
        Predicate<InetAddress> isTrusted = a -> {
            for (Cidr cidr : trusted) {
                if (cidr.contains(a)) {
                    return true;
                }
            }
            return false;
        };
        return new ListenerSettings(l.name(), address(l.bind()), isTrusted, l.proxyProtocol());
    }

    static InetSocketAddress address(Config.HostPort hp) {
        return new InetSocketAddress(hp.host(), hp.port());
    }
}

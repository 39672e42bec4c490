package io.predictor.admin.config;

import io.predictor.core.routing.SiteState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration file (SPEC §3) as immutable values. Paths are already resolved
 * against the directory of the config file. Built only by {@link ConfigLoader}, which checks
 * every value; a {@code Config} that exists is valid.
 *
 * @param file      the config file it was read from
 * @param instance  this proxy's name in {@code Via} (the loop guard) and in the fleet; default: the host name
 * @param listeners client-facing listeners, in file order
 * @param admin     the admin API listener
 * @param pools     upstream pools by name; {@code local} and {@code legacy} always exist
 * @param routing   sites file, default route, preview suffix
 * @param state     where runtime changes are made durable
 * @param timeouts  all timeouts
 * @param limits    request and connection limits
 * @param runtime   event loops, transport and buffer allocator
 */
public record Config(
        Path file,
        String instance,
        List<Listener> listeners,
        Admin admin,
        Map<String, Pool> pools,
        Routing routing,
        State state,
        Timeouts timeouts,
        Limits limits,
        Runtime runtime) {

    /** {@code host:port}; host may be an IPv6 literal without brackets. */
    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /**
     * A client-facing listener.
     *
     * @param tls            null for plain HTTP
     * @param tcp            non-null for a TCP relay listener ({@code tcp: { target: POOL }})
     * @param trustedProxies CIDRs as written ("10.0.0.0/8", "::1/128")
     */
    public record Listener(String name, HostPort bind, Tls tls, Tcp tcp, boolean proxyProtocol,
            List<String> trustedProxies) {

        /** {@link #trustedProxies} parsed, for matching client addresses (the loader has checked each one). */
        public List<Cidr> trustedProxyCidrs() {
            return trustedProxies.stream().map(Cidr::parse).toList();
        }
    }

    /**
     * {@code certificates}: a directory of NAME.crt + NAME.key; {@code contextCache}: the most
     * TLS contexts kept built (each ~10–20 KB of native memory), the rest built on first use.
     */
    public record Tls(Path certificates, boolean passthrough, int contextCache) {
    }

    public record Tcp(String target) {
    }

    /**
     * {@code tokensFile} may be null only when {@code bind} is a loopback address.
     *
     * @param metricsBind where {@code GET /metrics} is also served, alone, or null: only on {@code bind}
     */
    public record Admin(HostPort bind, Path tokensFile, HostPort metricsBind) {

        public Admin(HostPort bind, Path tokensFile) {
            this(bind, tokensFile, null);
        }
    }

    public enum Balance { ROUND_ROBIN, LEAST_CONN }

    public enum ProxyProtocol { NONE, V1, V2 }

    /** @param healthCheck null when no active health check is configured */
    public record Pool(String name, List<HostPort> servers, List<HostPort> tlsServers, Balance balance,
            HealthCheck healthCheck, ProxyProtocol proxyProtocol) {
    }

    /** Active health check: GET {@code path} every {@code interval}; {@code rise}/{@code fall} consecutive results flip a server. */
    public record HealthCheck(String path, Duration interval, Duration timeout, int rise, int fall) {
    }

    /**
     * @param defaultState  the state of hosts not in the table ({@code routing.default}: legacy, migrated or maintenance)
     * @param previewSuffix null when preview routing is off
     */
    public record Routing(Path sitesFile, String defaultState, String previewSuffix) {

        /** {@link #defaultState} as the routing table's enum. */
        public SiteState defaultSiteState() {
            return SiteState.parse(defaultState);
        }
    }

    public enum StoreKind { FILE, ETCD }

    public record State(StoreKind store, Path path, Etcd etcd) {
    }

    public record Etcd(List<String> endpoints, String prefix) {
    }

    public record Timeouts(Duration connect, Duration requestHeaders, Duration idle, Duration upstreamResponse,
            Duration drain, Duration hold) {
    }

    public record Limits(long maxHeaderSize, int maxHeaders, int maxConnections) {
    }

    /**
     * @param eventLoops data-plane event loop threads; 0 = one per core
     * @param transport  {@code auto} (epoll where available, else NIO), {@code epoll}, {@code io_uring} or {@code nio}
     * @param allocator  {@code pooled} (default) or {@code adaptive}: the buffer allocator of the client and origin channels
     * @param accessLog  whether each request is logged (default true); off is HAProxy's default (no {@code log}
     *                   line) and nginx's {@code access_log off}: metrics still count every request
     */
    public record Runtime(int eventLoops, String transport, String allocator, boolean accessLog) {
        public Runtime(int eventLoops, String transport, String allocator) {
            this(eventLoops, transport, allocator, true);
        }
    }
}

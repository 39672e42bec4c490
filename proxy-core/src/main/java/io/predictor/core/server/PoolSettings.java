package io.predictor.core.server;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * An origin pool: its servers, how requests are spread over them, and how their health is
 * checked ({@code healthCheck} null: no active check; passive ejection always applies).
 *
 * @param tlsServers    where TLS passthrough listeners relay this pool's sites (may be empty)
 * @param proxyProtocol the PROXY protocol header sent first on every connection to these servers
 */
public record PoolSettings(String name, List<InetSocketAddress> servers, Balance balance, HealthCheck healthCheck,
        List<InetSocketAddress> tlsServers, ProxyProtocol proxyProtocol) {

    public enum Balance { ROUND_ROBIN, LEAST_CONN }

    /** Which PROXY protocol header the proxy sends to a pool's servers. */
    public enum ProxyProtocol { NONE, V1, V2 }

    /** Active check: {@code GET path} every {@code intervalMillis}; {@code rise}/{@code fall} results in a row flip a server. */
    public record HealthCheck(String path, long intervalMillis, long timeoutMillis, int rise, int fall) {
    }

    public PoolSettings(String name, List<InetSocketAddress> servers, Balance balance) {
        this(name, servers, balance, null);
    }

    public PoolSettings(String name, List<InetSocketAddress> servers, Balance balance, HealthCheck healthCheck) {
        this(name, servers, balance, healthCheck, List.of(), ProxyProtocol.NONE);
    }

    public PoolSettings {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + " has no servers");
        }
        servers = List.copyOf(servers);
        tlsServers = List.copyOf(tlsServers);
    }

    /** The same pool with TLS passthrough servers. */
    public PoolSettings withTlsServers(List<InetSocketAddress> tls) {
        return new PoolSettings(name, servers, balance, healthCheck, tls, proxyProtocol);
    }

    /** The same pool sending a PROXY protocol header. */
    public PoolSettings withProxyProtocol(ProxyProtocol version) {
        return new PoolSettings(name, servers, balance, healthCheck, tlsServers, version);
    }
}

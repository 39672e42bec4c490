package io.predictor.core.server;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * An origin pool: its servers, how requests are spread over them, and how their health is
 * checked ({@code healthCheck} null: no active check; passive ejection always applies).
 */
public record PoolSettings(String name, List<InetSocketAddress> servers, Balance balance, HealthCheck healthCheck) {

    public enum Balance { ROUND_ROBIN, LEAST_CONN }

    /** Active check: {@code GET path} every {@code intervalMillis}; {@code rise}/{@code fall} results in a row flip a server. */
    public record HealthCheck(String path, long intervalMillis, long timeoutMillis, int rise, int fall) {
    }

    public PoolSettings(String name, List<InetSocketAddress> servers, Balance balance) {
        this(name, servers, balance, null);
    }

    public PoolSettings {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + " has no servers");
        }
        servers = List.copyOf(servers);
    }
}

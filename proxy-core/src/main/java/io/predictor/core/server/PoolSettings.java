package io.predictor.core.server;

import java.net.InetSocketAddress;
import java.util.List;

/** An origin pool: its servers and how requests are spread over them. */
public record PoolSettings(String name, List<InetSocketAddress> servers, Balance balance) {

    public enum Balance { ROUND_ROBIN, LEAST_CONN }

    public PoolSettings {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + " has no servers");
        }
        servers = List.copyOf(servers);
    }
}

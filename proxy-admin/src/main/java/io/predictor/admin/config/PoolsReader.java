package io.predictor.admin.config;

import io.predictor.admin.config.Config.Balance;
import io.predictor.admin.config.Config.HealthCheck;
import io.predictor.admin.config.Config.HostPort;
import io.predictor.admin.config.Config.Pool;
import io.predictor.admin.config.Config.ProxyProtocol;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code pools}: a mapping of pool name to servers; {@code local} and {@code legacy} must exist. */
final class PoolsReader {
    private static final List<String> POOL_KEYS = List.of("servers", "tls_servers", "balance", "health_check",
            "proxy_protocol");
    private static final List<String> HEALTH_KEYS = List.of("path", "interval", "timeout", "rise", "fall");
    static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(1);
    static final int DEFAULT_RISE = 2;
    static final int DEFAULT_FALL = 3;

    private static final ValueKind<String> HEALTH_PATH = new ValueKind<>("a path such as /healthz", text -> {
        if (!text.startsWith("/") || !text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("'" + text + "' is not a request path; expected one that starts with"
                    + " '/' and has no spaces, e.g. /healthz");
        }
        return text;
    });

    private final YamlNodes nodes;

    PoolsReader(YamlNodes nodes) {
        this.nodes = nodes;
    }

    /** The valid pools in file order. */
    Map<String, Pool> read(Section top) {
        Section pools = top.section("pools", null);
        if (!top.has("pools")) {
            nodes.problem(top.line(), "pools: required but missing; expected the pools local (this datacentre's"
                    + " servers) and legacy (the old datacentre's), each with servers: [HOST:PORT, ...]");
        } else if (!pools.malformed()) {
            required(pools, "local", "this datacentre's servers, for migrated sites");
            required(pools, "legacy", "the old datacentre's servers, for sites not migrated yet");
        }
        Map<String, Pool> out = new LinkedHashMap<>();
        for (String name : pools.keys()) {
            String path = pools.pathOf(name);
            if (nodes.scalar(pools.keyNode(name), path, Values.TOKEN) == null) {
                continue;
            }
            Pool pool = pool(name, pools.section(name, POOL_KEYS));
            if (pool != null) {
                out.put(name, pool);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private void required(Section pools, String name, String what) {
        if (!pools.has(name)) {
            nodes.problem(pools.line(), "pools: the pool '" + name + "' (" + what + ") is required");
        }
    }

    private Pool pool(String name, Section s) {
        if (s.malformed()) {
            return null;
        }
        List<HostPort> servers = s.list("servers", Values.HOST_PORT);
        if (!s.has("servers")) {
            s.missing("servers", "a list of HOST:PORT, e.g. [127.0.0.1:8081]");
        } else if (YamlNodes.isEmptyList(s.node("servers"))) {
            nodes.problem(s.lineOf("servers"), s.pathOf("servers") + ": at least one server is required,"
                    + " e.g. [127.0.0.1:8081]");
        }
        List<HostPort> tlsServers = s.list("tls_servers", Values.HOST_PORT);
        Balance balance = s.get("balance", Values.enumOf(Balance.class), Balance.ROUND_ROBIN);
        HealthCheck health = s.has("health_check") ? healthCheck(s.section("health_check", HEALTH_KEYS)) : null;
        ProxyProtocol proxyProtocol = s.get("proxy_protocol", Values.enumOf(ProxyProtocol.class), ProxyProtocol.NONE);
        return new Pool(name, List.copyOf(servers), List.copyOf(tlsServers), balance, health, proxyProtocol);
    }

    private HealthCheck healthCheck(Section s) {
        String path = s.require("path", HEALTH_PATH);
        Duration interval = s.require("interval", Values.POSITIVE_DURATION);
        Duration timeout = s.get("timeout", Values.POSITIVE_DURATION, null);
        if (interval != null && timeout == null) {
            // a check that may outlast its interval would overlap the next one
            timeout = interval.compareTo(DEFAULT_HEALTH_TIMEOUT) < 0 ? interval : DEFAULT_HEALTH_TIMEOUT;
        } else if (interval != null && timeout.compareTo(interval) > 0) {
            nodes.problem(s.lineOf("timeout"), s.pathOf("timeout") + ": " + Durations.format(timeout)
                    + " is longer than the interval (" + Durations.format(interval) + ");"
                    + " expected at most the interval");
        }
        int rise = s.get("rise", Values.intIn(1, 100), DEFAULT_RISE);
        int fall = s.get("fall", Values.intIn(1, 100), DEFAULT_FALL);
        return new HealthCheck(path, interval, timeout, rise, fall);
    }
}

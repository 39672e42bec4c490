package io.predictor.admin.config;

import io.predictor.admin.config.Config.HostPort;
import io.predictor.admin.config.Config.Listener;
import io.predictor.admin.config.Config.Tcp;
import io.predictor.admin.config.Config.Tls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads {@code listeners}: at least one; names and bind addresses unique; a listener is plain
 * HTTP, TLS ({@code tls}) or a TCP relay to a pool ({@code tcp}).
 */
final class ListenersReader {
    private static final List<String> LISTENER_KEYS = List.of("name", "bind", "tls", "tcp", "proxy_protocol",
            "trusted_proxies");
    private static final List<String> TLS_KEYS = List.of("certificates", "passthrough", "context_cache");
    private static final List<String> TCP_KEYS = List.of("target");

    private final YamlNodes nodes;
    private final Path dir;
    private final Map<String, String> pathByName = new HashMap<>();
    private final Map<HostPort, String> pathByBind = new java.util.LinkedHashMap<>();

    ListenersReader(YamlNodes nodes, Path dir) {
        this.nodes = nodes;
        this.dir = dir;
    }

    /** The valid listeners in file order; {@code poolNames} are the pools a TCP relay may target. */
    List<Listener> read(Section top, Set<String> poolNames) {
        List<Node> items = top.sequence("listeners", "listeners, each with name and bind");
        if (YamlNodes.isEmptyList(top.node("listeners"))) {
            nodes.problem(top.lineOf("listeners"), "listeners: at least one listener is required,"
                    + " e.g. - { name: http, bind: 0.0.0.0:8080 }");
        }
        List<Listener> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String path = "listeners[" + i + "]";
            if (!(item instanceof MappingNode)) {
                nodes.problem(YamlNodes.line(item), path + ": expected a listener, a mapping with keys "
                        + String.join(", ", LISTENER_KEYS) + ", found " + YamlNodes.describe(item));
                continue;
            }
            out.add(listener(nodes.section(item, path, YamlNodes.line(item), LISTENER_KEYS), poolNames));
        }
        return List.copyOf(out);
    }

    private Listener listener(Section s, Set<String> poolNames) {
        String name = s.require("name", Values.TOKEN);
        HostPort bind = s.require("bind", Values.HOST_PORT);
        Tls tls = s.has("tls") ? tls(s.section("tls", TLS_KEYS)) : null;
        Tcp tcp = s.has("tcp") ? tcp(s.section("tcp", TCP_KEYS), poolNames) : null;
        if (s.has("tls") && s.has("tcp")) {
            nodes.problem(s.lineOf("tcp"), s.path() + ": a listener is either TLS (tls) or a TCP relay (tcp),"
                    + " not both; for TLS relayed by SNI use tls: { passthrough: true }");
        }
        boolean proxyProtocol = s.get("proxy_protocol", Values.BOOLEAN, false);
        List<String> trustedProxies = s.list("trusted_proxies", Values.CIDR);
        unique(pathByName, name, s.path(), s.lineOf("name"), "name",
                "listener names must be unique (they label metrics)");
        if (bind != null) {
            for (Map.Entry<HostPort, String> other : pathByBind.entrySet()) {
                if (Addresses.overlap(bind, other.getKey())) {
                    nodes.problem(s.lineOf("bind"), s.path() + ".bind: " + bind + (bind.equals(other.getKey())
                            ? " is already the bind of " + other.getValue()
                            : " overlaps " + other.getKey() + ", the bind of " + other.getValue())
                            + "; two listeners cannot bind one address");
                    break;
                }
            }
            pathByBind.putIfAbsent(bind, s.path());
        }
        return new Listener(name, bind, tls, tcp, proxyProtocol, List.copyOf(trustedProxies));
    }

    private Tls tls(Section s) {
        boolean passthrough = s.get("passthrough", Values.BOOLEAN, false);
        Path certificates = s.get("certificates", Values.path(dir), null);
        if (passthrough && s.has("certificates")) {
            nodes.problem(s.lineOf("certificates"), s.pathOf("certificates") + ": not used with passthrough: true"
                    + " (the proxy relays TLS without terminating it); remove it, or set passthrough: false");
        } else if (!passthrough && !s.has("certificates")) {
            s.missing("certificates", "a directory of NAME.crt + NAME.key files, e.g. certs/"
                    + " (or passthrough: true to relay TLS by SNI)");
        }
        int contextCache = s.get("context_cache", Values.intIn(1, 10_000_000),
                io.predictor.core.tls.CertificateStore.DEFAULT_CONTEXT_CACHE);
        if (passthrough && s.has("context_cache")) {
            nodes.problem(s.lineOf("context_cache"), s.pathOf("context_cache") + ": not used with passthrough: true"
                    + " (no certificate is served); remove it");
        }
        return new Tls(certificates, passthrough, contextCache);
    }

    private Tcp tcp(Section s, Set<String> poolNames) {
        String target = s.require("target", Values.TOKEN);
        if (target != null && !poolNames.contains(target)) {
            nodes.problem(s.lineOf("target"), s.pathOf("target") + ": there is no pool named '" + target
                    + "'; defined pools: " + String.join(", ", poolNames));
        }
        return new Tcp(target);
    }

    private <K> void unique(Map<K, String> seen, K value, String path, int line, String key, String why) {
        if (value == null) {
            return;
        }
        String first = seen.putIfAbsent(value, path);
        if (first != null) {
            nodes.problem(line, path + "." + key + ": " + value + " is already the " + key + " of " + first
                    + "; " + why);
        }
    }
}

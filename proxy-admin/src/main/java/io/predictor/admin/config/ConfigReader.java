package io.predictor.admin.config;

import io.predictor.admin.config.Config.Admin;
import io.predictor.admin.config.Config.Etcd;
import io.predictor.admin.config.Config.HostPort;
import io.predictor.admin.config.Config.Limits;
import io.predictor.admin.config.Config.Listener;
import io.predictor.admin.config.Config.Pool;
import io.predictor.admin.config.Config.Routing;
import io.predictor.admin.config.Config.Runtime;
import io.predictor.admin.config.Config.State;
import io.predictor.admin.config.Config.StoreKind;
import io.predictor.admin.config.Config.Timeouts;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Turns the composed YAML tree into a {@link Config}: the top level and the small sections; the
 * listeners and pools have their own readers. Problems go to {@link YamlNodes}; the result is only
 * meaningful when there were none.
 */
final class ConfigReader {
    static final List<String> TOP_KEYS = List.of("instance", "listeners", "admin", "pools", "routing", "state",
            "timeouts", "limits", "runtime");
    private static final List<String> ADMIN_KEYS = List.of("bind", "tokens_file", "metrics_bind");
    private static final List<String> ROUTING_KEYS = List.of("sites_file", "default", "preview_suffix");
    private static final List<String> STATE_KEYS = List.of("store", "path", "etcd");
    private static final List<String> ETCD_KEYS = List.of("endpoints", "prefix");
    private static final List<String> TIMEOUT_KEYS = List.of("connect", "request_headers", "idle",
            "upstream_response", "drain", "hold");
    private static final List<String> LIMIT_KEYS = List.of("max_header_size", "max_headers", "max_connections");
    private static final List<String> RUNTIME_KEYS = List.of("event_loops", "transport", "allocator", "access_log");

    static final String DEFAULT_INSTANCE = "predictor";
    static final HostPort DEFAULT_ADMIN_BIND = new HostPort("127.0.0.1", 9090);
    static final String DEFAULT_STATE_PATH = "../var/state";
    static final String DEFAULT_ETCD_ENDPOINT = "http://127.0.0.1:2379";
    static final String DEFAULT_ETCD_PREFIX = "/predictor/";
    static final Timeouts DEFAULT_TIMEOUTS = new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10),
            Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30));
    static final Limits DEFAULT_LIMITS = new Limits(16 * Sizes.KIB, 100, 50_000);
    static final int MAX_EVENT_LOOPS = 1024;

    private static final ValueKind<String> DEFAULT_STATE = new ValueKind<>("one of legacy, migrated, maintenance",
            text -> {
                if (text.equals("hold")) {
                    throw new IllegalArgumentException("'hold' cannot be the default: hold makes a request wait for"
                            + " its site's next state, and a host that is not in the table has none;"
                            + " expected one of legacy, migrated, maintenance");
                }
                return Values.word("legacy", "migrated", "maintenance").parse(text);
            });

    private static final ValueKind<String> PREVIEW_SUFFIX = new ValueKind<>("a domain suffix starting with '.'",
            text -> {
                if (!text.startsWith(".") || !Addresses.isDnsName(text.substring(1))) {
                    throw new IllegalArgumentException("'" + text + "' is not a preview suffix; expected a DNS"
                            + " suffix starting with '.', e.g. .preview.example.net");
                }
                return text.toLowerCase(Locale.ROOT);
            });

    private static final ValueKind<String> ETCD_ENDPOINT = new ValueKind<>("a URL such as http://127.0.0.1:2379",
            ConfigReader::etcdEndpoint);

    private static final ValueKind<String> ETCD_PREFIX = new ValueKind<>("a key prefix such as /predictor/",
            text -> {
                if (text.length() < 2 || !text.startsWith("/") || !text.endsWith("/")) {
                    throw new IllegalArgumentException("'" + text + "' is not a key prefix; expected one that starts"
                            + " and ends with '/', e.g. /predictor/ (so that one prefix is never the start of"
                            + " another)");
                }
                return text;
            });

    private final YamlNodes nodes;
    private final Path file;
    private final Path dir;

    ConfigReader(YamlNodes nodes, Path file, Path dir) {
        this.nodes = nodes;
        this.file = file;
        this.dir = dir;
    }

    Config read(Node root) {
        if (root == null || YamlNodes.isNull(root)) {
            nodes.problem(1, "the config file is empty; it needs at least listeners, pools (local and legacy)"
                    + " and routing.sites_file");
            return null;
        }
        if (!(root instanceof MappingNode)) {
            nodes.problem(YamlNodes.line(root), "the top level must be a mapping of sections ("
                    + String.join(", ", TOP_KEYS) + "), found " + YamlNodes.describe(root));
            return null;
        }
        Section top = nodes.section(root, "", 1, TOP_KEYS);
        String instance = top.has("instance") ? top.require("instance", Values.TOKEN) : defaultInstance();
        Map<String, Pool> pools = new PoolsReader(nodes).read(top);
        List<Listener> listeners = new ListenersReader(nodes, dir).read(top, pools.keySet());
        Admin admin = admin(top.section("admin", ADMIN_KEYS), listeners);
        return new Config(file, instance, listeners, admin, pools, routing(top.section("routing", ROUTING_KEYS)),
                state(top.section("state", STATE_KEYS)), timeouts(top.section("timeouts", TIMEOUT_KEYS)),
                limits(top.section("limits", LIMIT_KEYS)), runtime(top.section("runtime", RUNTIME_KEYS)));
    }

    private Admin admin(Section s, List<Listener> listeners) {
        HostPort bind = s.get("bind", Values.HOST_PORT, DEFAULT_ADMIN_BIND);
        Path tokens = s.get("tokens_file", Values.path(dir), null);
        if (!s.has("tokens_file") && !Addresses.isLoopback(bind)) {
            nodes.problem(s.lineOf("bind"), "admin.bind: " + bind + " is not a loopback address, so admin.tokens_file"
                    + " is required (else anyone who reaches " + bind + " could change routing); add e.g."
                    + " tokens_file: admin-tokens, a file of NAME TOKEN lines");
        }
        for (int i = 0; i < listeners.size(); i++) {
            if (Addresses.overlap(bind, listeners.get(i).bind())) {
                nodes.problem(s.lineOf("bind"), "admin.bind: " + bind + " is also the bind of listeners[" + i + "] ('"
                        + listeners.get(i).name() + "'); the admin API needs an address of its own");
            }
        }
        HostPort metrics = s.get("metrics_bind", Values.HOST_PORT, null);
        if (metrics != null) {
            if (Addresses.overlap(metrics, bind)) {
                nodes.problem(s.lineOf("metrics_bind"), "admin.metrics_bind: " + metrics + " is admin.bind itself,"
                        + " which serves /metrics already; leave metrics_bind out, or give it an address of its own");
            }
            for (int i = 0; i < listeners.size(); i++) {
                if (Addresses.overlap(metrics, listeners.get(i).bind())) {
                    nodes.problem(s.lineOf("metrics_bind"), "admin.metrics_bind: " + metrics + " is also the bind of"
                            + " listeners[" + i + "] ('" + listeners.get(i).name() + "'); /metrics needs an address"
                            + " of its own");
                }
            }
        }
        return new Admin(bind, tokens, metrics);
    }

    private Routing routing(Section s) {
        Path sites = s.require("sites_file", Values.path(dir));
        String defaultState = s.get("default", DEFAULT_STATE, "legacy");
        String preview = s.get("preview_suffix", PREVIEW_SUFFIX, null);
        return new Routing(sites, defaultState, preview);
    }

    private State state(Section s) {
        StoreKind store = s.get("store", Values.enumOf(StoreKind.class), StoreKind.FILE);
        Path path = s.get("path", Values.path(dir), dir.resolve(DEFAULT_STATE_PATH).normalize());
        Section e = s.section("etcd", ETCD_KEYS);
        List<String> endpoints = List.of(DEFAULT_ETCD_ENDPOINT);
        if (e.has("endpoints")) {
            endpoints = e.list("endpoints", ETCD_ENDPOINT);
            if (YamlNodes.isEmptyList(e.node("endpoints"))) {
                nodes.problem(e.lineOf("endpoints"), "state.etcd.endpoints: at least one endpoint is required,"
                        + " e.g. [" + DEFAULT_ETCD_ENDPOINT + "]");
            }
        }
        String prefix = e.get("prefix", ETCD_PREFIX, DEFAULT_ETCD_PREFIX);
        return new State(store, path, new Etcd(List.copyOf(endpoints), prefix));
    }

    private static Timeouts timeouts(Section s) {
        Timeouts d = DEFAULT_TIMEOUTS;
        ValueKind<Duration> k = Values.POSITIVE_DURATION;
        return new Timeouts(s.get("connect", k, d.connect()), s.get("request_headers", k, d.requestHeaders()),
                s.get("idle", k, d.idle()), s.get("upstream_response", k, d.upstreamResponse()),
                s.get("drain", k, d.drain()), s.get("hold", k, d.hold()));
    }

    private static Limits limits(Section s) {
        Limits d = DEFAULT_LIMITS;
        return new Limits(s.get("max_header_size", Values.sizeIn(Sizes.KIB, Sizes.MIB), d.maxHeaderSize()),
                s.get("max_headers", Values.intIn(1, 10_000), d.maxHeaders()),
                s.get("max_connections", Values.intIn(1, Integer.MAX_VALUE), d.maxConnections()));
    }

    private static Runtime runtime(Section s) {
        return new Runtime(s.get("event_loops", Values.intIn(0, MAX_EVENT_LOOPS), 0),
                s.get("transport", Values.word("auto", "epoll", "io_uring", "nio"), "auto"),
                s.get("allocator", Values.word("pooled", "adaptive"), "pooled"),
                s.get("access_log", Values.BOOLEAN, true));
    }

    private static String etcdEndpoint(String text) {
        String expected = "; expected a URL such as " + DEFAULT_ETCD_ENDPOINT;
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL" + expected);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' is not an etcd endpoint (http or https with a host)"
                    + expected);
        }
        return text;
    }

    /** The machine's host name when it is a valid name, else {@value #DEFAULT_INSTANCE}. */
    static String defaultInstance() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            return host.matches("[A-Za-z0-9._-]{1,128}") ? host : DEFAULT_INSTANCE;
        } catch (UnknownHostException e) {
            // a machine whose own name does not resolve can still run a proxy; the name is only a label
            return DEFAULT_INSTANCE;
        }
    }
}

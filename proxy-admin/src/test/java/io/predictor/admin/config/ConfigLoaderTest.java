package io.predictor.admin.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.config.Config.Balance;
import io.predictor.admin.config.Config.HostPort;
import io.predictor.admin.config.Config.Pool;
import io.predictor.admin.config.Config.ProxyProtocol;
import io.predictor.admin.config.Config.StoreKind;
import io.predictor.core.routing.SiteState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(dir);
    }

    @Test
    void minimalConfigTakesEveryDefault() throws ConfigException {
        Config c = files.load(ConfigFiles.MINIMAL);

        assertThat(c.file()).isEqualTo(dir.resolve("predictor.yaml"));
        assertThat(c.instance()).matches("[A-Za-z0-9._-]+");
        assertThat(c.listeners()).hasSize(1);
        Config.Listener http = c.listeners().get(0);
        assertThat(http.name()).isEqualTo("http");
        assertThat(http.bind()).isEqualTo(new HostPort("127.0.0.1", 8080));
        assertThat(http.tls()).isNull();
        assertThat(http.tcp()).isNull();
        assertThat(http.proxyProtocol()).isFalse();
        assertThat(http.trustedProxies()).isEmpty();
        assertThat(c.admin()).isEqualTo(new Config.Admin(new HostPort("127.0.0.1", 9090), null));
        assertThat(c.pools()).containsOnlyKeys("local", "legacy");
        Pool local = c.pools().get("local");
        assertThat(local).isEqualTo(new Pool("local", List.of(new HostPort("127.0.0.1", 8081)), List.of(),
                Balance.ROUND_ROBIN, null, ProxyProtocol.NONE));
        assertThat(c.routing()).isEqualTo(new Config.Routing(dir.resolve("sites.txt"), "legacy", null));
        assertThat(c.routing().defaultSiteState()).isEqualTo(SiteState.LEGACY);
        assertThat(c.state().store()).isEqualTo(StoreKind.FILE);
        assertThat(c.state().path()).isEqualTo(dir.resolve("../var/state").normalize());
        assertThat(c.state().etcd()).isEqualTo(new Config.Etcd(List.of("http://127.0.0.1:2379"), "/predictor/"));
        assertThat(c.timeouts()).isEqualTo(new Config.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30)));
        assertThat(c.limits()).isEqualTo(new Config.Limits(16 * 1024, 100, 50_000));
        assertThat(c.runtime()).isEqualTo(new Config.Runtime(0, "auto", "pooled"));
    }

    @Test
    void readsEveryKeyOfAFullConfig() throws ConfigException {
        Config c = files.load("""
                instance: dc2-proxy-01
                listeners:
                  - name: http
                    bind: 0.0.0.0:8080
                    proxy_protocol: true
                    trusted_proxies: [10.0.0.0/8, "fd00::/8", 192.168.1.7]
                  - name: https
                    bind: "[::]:8443"
                    tls: { certificates: certs/, passthrough: false, context_cache: 500 }
                  - name: sni
                    bind: 0.0.0.0:9443
                    tls: { passthrough: true }
                  - name: smtp
                    bind: 0.0.0.0:2525
                    tcp: { target: mail }
                admin:
                  bind: 10.1.2.3:9090
                  tokens_file: admin-tokens
                pools:
                  local:
                    servers: [127.0.0.1:8081, web-2.dc2.example.net:80]
                    balance: least_conn
                    health_check: { path: /healthz, interval: 2s, timeout: 500ms, rise: 3, fall: 5 }
                  legacy:
                    servers: ["[2001:db8::1]:80"]
                    tls_servers: [127.0.0.1:9443]
                    proxy_protocol: v2
                  mail:
                    servers: [10.0.0.25:25]
                routing:
                  sites_file: /etc/predictor/sites.txt
                  default: maintenance
                  preview_suffix: .Preview.Example.NET
                state:
                  store: etcd
                  path: /var/lib/predictor
                  etcd: { endpoints: [https://etcd-1:2379, https://etcd-2:2379], prefix: /dc2/ }
                timeouts: { connect: 250ms, request_headers: 5s, idle: 2m, upstream_response: 1m30s, drain: 1h, hold: 10s }
                limits: { max_header_size: 32KiB, max_headers: 200, max_connections: 1000 }
                runtime: { event_loops: 4, transport: io_uring, allocator: adaptive }
                """);

        assertThat(c.instance()).isEqualTo("dc2-proxy-01");
        assertThat(c.listeners()).extracting(Config.Listener::name).containsExactly("http", "https", "sni", "smtp");
        assertThat(c.listeners().get(0).proxyProtocol()).isTrue();
        assertThat(c.listeners().get(0).trustedProxies()).containsExactly("10.0.0.0/8", "fd00::/8", "192.168.1.7");
        assertThat(c.listeners().get(0).trustedProxyCidrs()).extracting(Cidr::toString)
                .containsExactly("10.0.0.0/8", "fd00::/8", "192.168.1.7/32");
        assertThat(c.listeners().get(1).bind()).isEqualTo(new HostPort("::", 8443));
        assertThat(c.listeners().get(1).tls()).isEqualTo(new Config.Tls(dir.resolve("certs"), false, 500));
        assertThat(c.listeners().get(2).tls()).isEqualTo(new Config.Tls(null, true, 10_000));
        assertThat(c.listeners().get(3).tcp()).isEqualTo(new Config.Tcp("mail"));
        assertThat(c.admin()).isEqualTo(new Config.Admin(new HostPort("10.1.2.3", 9090), dir.resolve("admin-tokens")));
        assertThat(c.pools()).containsOnlyKeys("local", "legacy", "mail");
        assertThat(c.pools().get("local").servers())
                .containsExactly(new HostPort("127.0.0.1", 8081), new HostPort("web-2.dc2.example.net", 80));
        assertThat(c.pools().get("local").balance()).isEqualTo(Balance.LEAST_CONN);
        assertThat(c.pools().get("local").healthCheck())
                .isEqualTo(new Config.HealthCheck("/healthz", Duration.ofSeconds(2), Duration.ofMillis(500), 3, 5));
        assertThat(c.pools().get("legacy").servers()).containsExactly(new HostPort("2001:db8::1", 80));
        assertThat(c.pools().get("legacy").tlsServers()).containsExactly(new HostPort("127.0.0.1", 9443));
        assertThat(c.pools().get("legacy").proxyProtocol()).isEqualTo(ProxyProtocol.V2);
        assertThat(c.routing()).isEqualTo(new Config.Routing(Path.of("/etc/predictor/sites.txt"), "maintenance",
                ".preview.example.net"));
        assertThat(c.state()).isEqualTo(new Config.State(StoreKind.ETCD, Path.of("/var/lib/predictor"),
                new Config.Etcd(List.of("https://etcd-1:2379", "https://etcd-2:2379"), "/dc2/")));
        assertThat(c.timeouts()).isEqualTo(new Config.Timeouts(Duration.ofMillis(250), Duration.ofSeconds(5),
                Duration.ofMinutes(2), Duration.ofSeconds(90), Duration.ofHours(1), Duration.ofSeconds(10)));
        assertThat(c.limits()).isEqualTo(new Config.Limits(32 * 1024, 200, 1000));
        assertThat(c.runtime()).isEqualTo(new Config.Runtime(4, "io_uring", "adaptive"));
    }

    @Test
    void relativePathsResolveAgainstTheConfigFilesDirectory() throws ConfigException {
        Path file = files.write("etc/predictor/main.yaml", """
                listeners:
                  - { name: https, bind: 0.0.0.0:443, tls: { certificates: ../certs } }
                admin: { tokens_file: secrets/tokens }
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                state: { path: ./journal }
                """);
        Path configDir = dir.resolve("etc/predictor");

        Config c = ConfigLoader.load(file);

        assertThat(c.routing().sitesFile()).isEqualTo(configDir.resolve("sites.txt"));
        assertThat(c.admin().tokensFile()).isEqualTo(configDir.resolve("secrets/tokens"));
        assertThat(c.listeners().get(0).tls().certificates()).isEqualTo(dir.resolve("etc/certs"));
        assertThat(c.state().path()).isEqualTo(configDir.resolve("journal"));
    }

    @Test
    void defaultStatePathIsVarStateBesideTheConfigDirectory() throws ConfigException {
        Config c = ConfigLoader.load(files.write("config/predictor.yaml", ConfigFiles.MINIMAL));

        assertThat(c.state().path()).isEqualTo(dir.resolve("var/state"));
    }

    @Test
    void relativeConfigPathGivesRelativeResolvedPaths() throws ConfigException {
        // the shipped config is found this way from the module directory
        Config c = ConfigLoader.load(Path.of("..", "config", "predictor.yaml"));

        assertThat(c.routing().sitesFile()).isEqualTo(Path.of("../config/sites.txt"));
        assertThat(c.state().path()).isEqualTo(Path.of("../var/state"));
    }

    @Test
    void unknownKeyIsReportedWithItsLineSectionAndTheValidKeys() {
        List<String> problems = files.problems("""
                listeners:
                  - name: http
                    bind: 127.0.0.1:8080
                    listen: 0.0.0.0:80
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing:
                  sites_file: sites.txt
                """);

        assertThat(problems).containsExactly(dir.resolve("predictor.yaml") + ":4: unknown key 'listen' in listeners[0];"
                + " valid keys: name, bind, tls, tcp, proxy_protocol, trusted_proxies");
    }

    @Test
    void unknownKeyNearAValidOneSuggestsIt() {
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "timeouts: { conect: 2s }\n")).containsExactly(
                "9: unknown key 'conect' in timeouts; did you mean 'connect'?; valid keys: connect, request_headers,"
                        + " idle, upstream_response, drain, hold");
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "timeout: { connect: 2s }\n")).containsExactly(
                "9: unknown key 'timeout' at the top level; did you mean 'timeouts'?; valid keys: instance, listeners,"
                        + " admin, pools, routing, state, timeouts, limits, runtime");
    }

    @Test
    void theAllocatorIsPooledOrAdaptive() throws ConfigException {
        assertThat(files.load(ConfigFiles.MINIMAL + "runtime: { allocator: adaptive }\n").runtime())
                .isEqualTo(new Config.Runtime(0, "auto", "adaptive"));
        assertThat(files.load(ConfigFiles.MINIMAL + "runtime: { transport: epoll }\n").runtime().allocator())
                .as("default").isEqualTo("pooled");
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "runtime:\n  allocator: Pooled\n")).containsExactly(
                "10: runtime.allocator: 'Pooled' is not valid; expected one of pooled, adaptive");
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "runtime: { alocator: adaptive }\n")).containsExactly(
                "9: unknown key 'alocator' in runtime; did you mean 'allocator'?; valid keys: event_loops, transport,"
                        + " allocator, access_log");
    }

    @Test
    void theAccessLogIsOnUnlessTurnedOff() throws ConfigException {
        assertThat(files.load(ConfigFiles.MINIMAL).runtime().accessLog()).as("default").isTrue();
        assertThat(files.load(ConfigFiles.MINIMAL + "runtime: { access_log: false }\n").runtime())
                .isEqualTo(new Config.Runtime(0, "auto", "pooled", false));
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "runtime: { access_log: no }\n")).hasSize(1)
                .allMatch(p -> p.startsWith("9: runtime.access_log: 'no'") && p.contains("true or false"));
    }

    @Test
    void badDurationSaysWhatIsValid() {
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "timeouts:\n  connect: 5x\n  idle: 0s\n  drain: 30\n"))
                .containsExactly(
                        "10: timeouts.connect: '5x' is not a duration; expected a number with ms, s, m or h,"
                                + " e.g. 250ms, 5s, 2m",
                        "11: timeouts.idle: 0s is not allowed; expected a duration longer than zero, e.g. 250ms, 5s, 2m",
                        "12: timeouts.drain: '30' is not a duration (a unit is required); expected a number with ms, s,"
                                + " m or h, e.g. 250ms, 5s, 2m");
    }

    @Test
    void badSizeSaysToUseBinaryUnits() {
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "limits:\n  max_header_size: 16KB\n"))
                .containsExactly("10: limits.max_header_size: '16KB' is not a size: KB is not accepted because it is"
                        + " ambiguous (1000 or 1024 bytes?); write KiB for multiples of 1024, e.g. 8KiB, 1MiB");
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "limits:\n  max_header_size: 2MiB\n"))
                .containsExactly("10: limits.max_header_size: 2MiB is out of range; expected a size from 1KiB to 1MiB");
    }

    @Test
    void badAddressesSayWhatIsValid() {
        List<String> problems = files.problemsAtLines("""
                listeners:
                  - { name: a, bind: ":8080" }
                  - { name: b, bind: 127.0.0.1:70000 }
                  - { name: c, bind: "::1:8080" }
                  - { name: d, bind: 300.1.2.3:80 }
                pools:
                  local: { servers: [127.0.0.1] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                """);

        assertThat(problems).containsExactly(
                "2: listeners[0].bind: ':8080' is not an address (no host; write 0.0.0.0:8080 to listen on every IPv4"
                        + " address, 127.0.0.1:8080 for this machine only); expected HOST:PORT, e.g. 127.0.0.1:8080,"
                        + " 0.0.0.0:8080 or [::1]:9090",
                "3: listeners[1].bind: '127.0.0.1:70000' is not an address (the port must be a number from 1 to 65535);"
                        + " expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:9090",
                "4: listeners[2].bind: '::1:8080' is not an address (an IPv6 address needs brackets, e.g. [::1]:8080);"
                        + " expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:9090",
                "5: listeners[3].bind: '300.1.2.3:80' is not an address: '300.1.2.3' is not an IPv4 address;"
                        + " expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:9090",
                "7: pools.local.servers[0]: '127.0.0.1' is not an address (no port); expected HOST:PORT,"
                        + " e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:9090");
    }

    @Test
    void missingLocalPoolIsAnError() {
        assertThat(files.problemsAtLines("""
                listeners:
                  - { name: http, bind: 127.0.0.1:8080 }
                pools:
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                """)).containsExactly("3: pools: the pool 'local' (this datacentre's servers, for migrated sites)"
                + " is required");
    }

    @Test
    void poolWithoutServersIsAnError() {
        assertThat(files.problemsAtLines("""
                listeners:
                  - { name: http, bind: 127.0.0.1:8080 }
                pools:
                  local: { servers: [] }
                  legacy: { balance: round_robin }
                routing: { sites_file: sites.txt }
                """)).containsExactly(
                        "4: pools.local.servers: at least one server is required, e.g. [127.0.0.1:8081]",
                        "5: pools.legacy.servers: required but missing; expected a list of HOST:PORT,"
                                + " e.g. [127.0.0.1:8081]");
    }

    @Test
    void nonLoopbackAdminWithoutTokensIsAnError() {
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "admin:\n  bind: 0.0.0.0:9090\n")).containsExactly(
                "10: admin.bind: 0.0.0.0:9090 is not a loopback address, so admin.tokens_file is required (else anyone"
                        + " who reaches 0.0.0.0:9090 could change routing); add e.g. tokens_file: admin-tokens,"
                        + " a file of NAME TOKEN lines");
    }

    @Test
    void loopbackAdminMayGoWithoutTokens() throws ConfigException {
        for (String bind : List.of("127.0.0.1:9090", "127.9.9.9:9090", "\"[::1]:9090\"", "localhost:9090")) {
            Config c = files.load(ConfigFiles.MINIMAL + "admin:\n  bind: " + bind + "\n");
            assertThat(c.admin().tokensFile()).isNull();
        }
    }

    @Test
    void metricsBindServesMetricsOnAnAddressOfItsOwn() throws ConfigException {
        Config c = files.load(ConfigFiles.MINIMAL + "admin:\n  bind: 127.0.0.1:9090\n  metrics_bind: 0.0.0.0:9091\n");
        assertThat(c.admin().metricsBind()).isEqualTo(new HostPort("0.0.0.0", 9091));
        assertThat(files.load(ConfigFiles.MINIMAL).admin().metricsBind()).as("default: none").isNull();
    }

    @Test
    void metricsBindOnTheAdminOrAListenerAddressIsAnError() {
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL
                + "admin:\n  bind: 127.0.0.1:9090\n  metrics_bind: 127.0.0.1:9090\n")).containsExactly(
                "11: admin.metrics_bind: 127.0.0.1:9090 is admin.bind itself, which serves /metrics already;"
                        + " leave metrics_bind out, or give it an address of its own");
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "admin:\n  metrics_bind: 127.0.0.1:8080\n"))
                .containsExactly("10: admin.metrics_bind: 127.0.0.1:8080 is also the bind of listeners[0] ('http');"
                        + " /metrics needs an address of its own");
    }

    @Test
    void badCidrIsAnError() {
        assertThat(files.problemsAtLines("""
                listeners:
                  - name: http
                    bind: 127.0.0.1:8080
                    trusted_proxies: [10.0.0.0/33, 10.0.0.1/8, proxy.example.net, 10.0.0.0/8]
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                """)).containsExactly(
                        "4: listeners[0].trusted_proxies[0]: '10.0.0.0/33' is not a CIDR: the prefix length must be"
                                + " a number from 0 to 32 for an IPv4 address",
                        "4: listeners[0].trusted_proxies[1]: '10.0.0.1/8' is not a CIDR: it has host bits set after"
                                + " the first 8; did you mean 10.0.0.0/8?",
                        "4: listeners[0].trusted_proxies[2]: 'proxy.example.net' is not a CIDR: 'proxy.example.net'"
                                + " is not an IP address; expected ADDRESS/PREFIX, e.g. 10.0.0.0/8, 192.168.1.7/32"
                                + " or fd00::/8");
    }

    @Test
    void duplicateListenerNamesAndBindsAreErrors() {
        assertThat(files.problemsAtLines("""
                listeners:
                  - name: http
                    bind: 127.0.0.1:8080
                  - name: http
                    bind: 127.0.0.1:8081
                  - name: other
                    bind: 127.0.0.1:8080
                admin: { bind: 127.0.0.1:8081 }
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                """)).containsExactly(
                        "4: listeners[1].name: http is already the name of listeners[0]; listener names must be unique"
                                + " (they label metrics)",
                        "7: listeners[2].bind: 127.0.0.1:8080 is already the bind of listeners[0]; two listeners"
                                + " cannot bind one address",
                        "8: admin.bind: 127.0.0.1:8081 is also the bind of listeners[1] ('http'); the admin API needs"
                                + " an address of its own");
    }

    @Test
    void tcpListenerMustTargetAnExistingPoolAndCannotAlsoBeTls() {
        assertThat(files.problemsAtLines("""
                listeners:
                  - name: smtp
                    bind: 0.0.0.0:25
                    tcp: { target: mail }
                  - name: both
                    bind: 0.0.0.0:26
                    tls: { certificates: certs }
                    tcp: { target: local }
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                """)).containsExactly(
                        "4: listeners[0].tcp.target: there is no pool named 'mail'; defined pools: local, legacy",
                        "8: listeners[1]: a listener is either TLS (tls) or a TCP relay (tcp), not both; for TLS"
                                + " relayed by SNI use tls: { passthrough: true }");
    }

    @Test
    void tlsNeedsCertificatesUnlessPassthrough() {
        assertThat(files.problemsAtLines("""
                listeners:
                  - name: https
                    bind: 0.0.0.0:443
                    tls: { passthrough: false }
                  - name: sni
                    bind: 0.0.0.0:8443
                    tls: { passthrough: true, certificates: certs }
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                """)).containsExactly(
                        "4: listeners[0].tls.certificates: required but missing; expected a directory of NAME.crt +"
                                + " NAME.key files, e.g. certs/ (or passthrough: true to relay TLS by SNI)",
                        "7: listeners[1].tls.certificates: not used with passthrough: true (the proxy relays TLS"
                                + " without terminating it); remove it, or set passthrough: false");
    }

    @Test
    void theContextCacheHoldsAtLeastOneContextAndIsForTerminatingListenersOnly() {
        assertThat(files.problemsAtLines("""
                listeners:
                  - name: https
                    bind: 0.0.0.0:443
                    tls: { certificates: certs, context_cache: 0 }
                  - name: sni
                    bind: 0.0.0.0:8443
                    tls: { passthrough: true, context_cache: 100 }
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                """)).containsExactly(
                        "4: listeners[0].tls.context_cache: 0 is out of range; expected a whole number from 1 to"
                                + " 10000000",
                        "7: listeners[1].tls.context_cache: not used with passthrough: true (no certificate is"
                                + " served); remove it");
    }

    @Test
    void collectsEveryProblemInFileOrder() {
        List<String> problems = files.problemsAtLines("""
                instance: my proxy
                listeners:
                  - name: http
                    bind: 127.0.0.1:8080
                    proxy_protocol: yes
                pools:
                  local: { servers: [127.0.0.1:8081], balance: random }
                  legacy: { servers: [127.0.0.1:8082], proxy_protocol: v3 }
                routing:
                  default: hold
                state: { store: zookeeper, etcd: { prefix: predictor } }
                limits: { max_headers: lots, max_connections: 0 }
                runtime: { event_loops: -1, transport: kqueue, allocator: unpooled }
                """);

        assertThat(problems).containsExactly(
                "1: instance: 'my proxy' is not a valid name; expected 1 to 128 letters, digits, '.', '_' or '-'",
                "5: listeners[0].proxy_protocol: 'yes' is not a boolean; expected true or false",
                "7: pools.local.balance: 'random' is not valid; expected one of round_robin, least_conn",
                "8: pools.legacy.proxy_protocol: 'v3' is not valid; expected one of none, v1, v2",
                "9: routing.sites_file: required but missing; expected a path, relative to the config file's"
                        + " directory",
                "10: routing.default: 'hold' cannot be the default: hold makes a request wait for its site's next"
                        + " state, and a host that is not in the table has none; expected one of legacy, migrated,"
                        + " maintenance",
                "11: state.store: 'zookeeper' is not valid; expected one of file, etcd",
                "11: state.etcd.prefix: 'predictor' is not a key prefix; expected one that starts and ends with '/',"
                        + " e.g. /predictor/ (so that one prefix is never the start of another)",
                "12: limits.max_headers: 'lots' is not a whole number",
                "12: limits.max_connections: 0 is out of range; expected a whole number from 1 to 2147483647",
                "13: runtime.event_loops: -1 is out of range; expected a whole number from 0 to 1024",
                "13: runtime.transport: 'kqueue' is not valid; expected one of auto, epoll, io_uring, nio",
                "13: runtime.allocator: 'unpooled' is not valid; expected one of pooled, adaptive");
    }

    @Test
    void wrongTypesSayWhatWasExpected() {
        assertThat(files.problemsAtLines("""
                listeners:
                  - http
                pools:
                  local: { servers: 127.0.0.1:8081 }
                  legacy: [127.0.0.1:8082]
                routing:
                  sites_file: [a, b]
                timeouts: 5s
                """)).containsExactly(
                        "2: listeners[0]: expected a listener, a mapping with keys name, bind, tls, tcp, proxy_protocol,"
                                + " trusted_proxies, found 'http'",
                        "4: pools.local.servers: expected a list of HOST:PORT, e.g. 127.0.0.1:8080, found"
                                + " '127.0.0.1:8081' (write a list even for one item: [127.0.0.1:8081])",
                        "5: pools.legacy: expected a mapping with keys servers, tls_servers, balance, health_check,"
                                + " proxy_protocol, found a list",
                        "7: routing.sites_file: expected a path, relative to the config file's directory,"
                                + " found a list",
                        "8: timeouts: expected a mapping with keys connect, request_headers, idle, upstream_response,"
                                + " drain, hold, found '5s'");
    }

    @Test
    void yamlSyntaxErrorIsReportedAtItsLine() {
        List<String> problems = files.problemsAtLines("""
                listeners:
                  - name: http
                    bind: 127.0.0.1:8080
                pools:
                  local: { servers: [127.0.0.1:8081 }
                routing:
                  sites_file: sites.txt
                """);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("5: YAML syntax error: ");
    }

    @Test
    void tabIndentationIsExplained() {
        assertThat(files.problemsAtLines("listeners:\n\t- name: http\n")).singleElement().asString()
                .startsWith("2: YAML syntax error: ").contains("Do not use \\t(TAB) for indentation");
    }

    @Test
    void duplicateKeysAreErrors() {
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "timeouts:\n  connect: 1s\n  connect: 2s\nroutng: {}\n"))
                .containsExactly(
                        "11: duplicate key 'timeouts.connect' (first at line 10); each key may appear once",
                        "12: unknown key 'routng' at the top level; did you mean 'routing'?; valid keys: instance,"
                                + " listeners, admin, pools, routing, state, timeouts, limits, runtime");
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL + "routing: { sites_file: other.txt }\n"))
                .containsExactly("9: duplicate key 'routing' (first at line 7); each key may appear once");
    }

    @Test
    void emptyFileAndNonMappingTopLevelAreClearErrors() {
        String empty = "1: the config file is empty; it needs at least listeners, pools (local and legacy)"
                + " and routing.sites_file";
        assertThat(files.problemsAtLines("")).containsExactly(empty);
        assertThat(files.problemsAtLines("# only a comment\n")).containsExactly(empty);
        assertThat(files.problemsAtLines("\n- listeners\n")).containsExactly("2: the top level must be a mapping of"
                + " sections (instance, listeners, admin, pools, routing, state, timeouts, limits, runtime), found a list");
        assertThat(files.problemsAtLines("{}\n")).containsExactly(
                "1: pools: required but missing; expected the pools local (this datacentre's servers) and legacy (the"
                        + " old datacentre's), each with servers: [HOST:PORT, ...]",
                "1: listeners: at least one listener is required, e.g. - { name: http, bind: 0.0.0.0:8080 }",
                "1: routing.sites_file: required but missing; expected a path, relative to the config file's"
                        + " directory");
    }

    @Test
    void missingFileIsAnErrorAtLineZero() {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.load(missing));
        assertThat(e.problems()).extracting(ConfigProblem::toString).containsExactly(
                missing + ":0: the config file does not exist (use --config FILE to name another)");
    }

    @Test
    void aliasBombIsRefused() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        char prev = 'a';
        for (char c = 'b'; c <= 'j'; c++) {
            yaml.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 10; i++) {
                yaml.append(i == 0 ? "" : ", ").append('*').append(prev);
            }
            yaml.append("]\n");
            prev = c;
        }
        assertThat(files.problemsAtLines(yaml.toString())).singleElement().asString().contains("aliases");
    }

    @Test
    void healthCheckTimeoutDefaultsToOneSecondButNeverExceedsTheInterval() throws ConfigException {
        Config c = files.load("""
                listeners:
                  - { name: http, bind: 127.0.0.1:8080 }
                pools:
                  local: { servers: [127.0.0.1:8081], health_check: { path: /healthz, interval: 5s } }
                  legacy: { servers: [127.0.0.1:8082], health_check: { path: /ping, interval: 500ms } }
                routing: { sites_file: sites.txt }
                """);
        assertThat(c.pools().get("local").healthCheck())
                .isEqualTo(new Config.HealthCheck("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3));
        assertThat(c.pools().get("legacy").healthCheck().timeout()).isEqualTo(Duration.ofMillis(500));

        assertThat(files.problemsAtLines("""
                listeners:
                  - { name: http, bind: 127.0.0.1:8080 }
                pools:
                  local:
                    servers: [127.0.0.1:8081]
                    health_check: { interval: 1s, timeout: 2s, rise: 0 }
                  legacy: { servers: [127.0.0.1:8082], health_check: { path: healthz, interval: 1s } }
                routing: { sites_file: sites.txt }
                """)).containsExactly(
                        "6: pools.local.health_check.path: required but missing; expected a path such as /healthz",
                        "6: pools.local.health_check.timeout: 2s is longer than the interval (1s); expected at most"
                                + " the interval",
                        "6: pools.local.health_check.rise: 0 is out of range; expected a whole number from 1 to 100",
                        "7: pools.legacy.health_check.path: 'healthz' is not a request path; expected one that starts"
                                + " with '/' and has no spaces, e.g. /healthz");
    }

    @Test
    void previewSuffixMustStartWithADot() {
        assertThat(files.problemsAtLines(ConfigFiles.MINIMAL.replace("sites_file: sites.txt",
                "sites_file: sites.txt\n  preview_suffix: preview.example.net"))).containsExactly(
                        "9: routing.preview_suffix: 'preview.example.net' is not a preview suffix; expected a DNS"
                                + " suffix starting with '.', e.g. .preview.example.net");
    }
}

package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.config.Config;
import io.predictor.admin.config.ConfigLoader;
import io.predictor.core.server.ListenerSettings;
import io.predictor.core.server.PoolSettings;
import io.predictor.core.server.ProxySettings;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file's TLS, passthrough, PROXY protocol and TCP relay keys reach the data plane's settings. */
class DataPlaneSettingsTest {

    @TempDir
    Path dir;

    @Test
    void poolsCarryTheirTlsServersProxyProtocolAndHealthCheck() throws Exception {
        Config c = load("""
                listeners:
                  - name: https
                    bind: 127.0.0.1:8443
                    tls: { certificates: certs/ }
                    proxy_protocol: true
                  - name: pass
                    bind: 127.0.0.1:8444
                    tls: { passthrough: true }
                  - name: db
                    bind: 127.0.0.1:3306
                    tcp: { target: db }
                pools:
                  local:
                    servers: [127.0.0.1:8081]
                    tls_servers: [127.0.0.1:9443]
                    proxy_protocol: v2
                    health_check: { path: /healthz, interval: 2s }
                  legacy: { servers: [127.0.0.1:8082], proxy_protocol: v1 }
                  db: { servers: [127.0.0.1:13306] }
                routing:
                  sites_file: sites.txt
                """);
        PoolSettings local = DataPlaneSettings.pool(c.pools().get("local"));
        assertThat(local.tlsServers()).containsExactly(new InetSocketAddress("127.0.0.1", 9443));
        assertThat(local.proxyProtocol()).isEqualTo(PoolSettings.ProxyProtocol.V2);
        assertThat(local.healthCheck()).isEqualTo(new PoolSettings.HealthCheck("/healthz", 2000, 1000, 2, 3));
        PoolSettings legacy = DataPlaneSettings.pool(c.pools().get("legacy"));
        assertThat(legacy.proxyProtocol()).isEqualTo(PoolSettings.ProxyProtocol.V1);
        assertThat(legacy.tlsServers()).isEmpty();
        assertThat(DataPlaneSettings.pool(c.pools().get("db")).servers())
                .containsExactly(new InetSocketAddress("127.0.0.1", 13306));
        List<ListenerSettings> listeners = c.listeners().stream().map(DataPlaneSettings::listener).toList();
        assertThat(listeners).extracting(ListenerSettings::proxyProtocol).containsExactly(true, false, false);
        assertThat(c.listeners().get(0).tls().certificates()).isEqualTo(dir.resolve("certs"));
    }

    /** Found by scripts/soak: an origin killed for 5 s never produced server_down, only 502s. */
    @Test
    void aPoolKeepsItsActiveHealthCheck() {
        Config.Pool pool = new Config.Pool("local", List.of(new Config.HostPort("127.0.0.1", 8081)), List.of(),
                Config.Balance.LEAST_CONN, new Config.HealthCheck("/healthz", Duration.ofSeconds(2),
                        Duration.ofMillis(500), 2, 3), Config.ProxyProtocol.NONE);

        PoolSettings settings = DataPlaneSettings.pool(pool);

        assertThat(settings.balance()).isEqualTo(PoolSettings.Balance.LEAST_CONN);
        assertThat(settings.healthCheck()).isEqualTo(new PoolSettings.HealthCheck("/healthz", 2000, 500, 2, 3));
    }

    @Test
    void aPoolWithoutHealthCheckHasNone() {
        Config.Pool pool = new Config.Pool("legacy", List.of(new Config.HostPort("127.0.0.1", 8082)), List.of(),
                Config.Balance.ROUND_ROBIN, null, Config.ProxyProtocol.NONE);

        assertThat(DataPlaneSettings.pool(pool).healthCheck()).isNull();
    }

    @Test
    void theRuntimeKeysReachTheProxySettings() throws Exception {
        String base = """
                listeners: [{ name: http, bind: 127.0.0.1:8080 }]
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing: { sites_file: sites.txt }
                """;
        ProxySettings set = DataPlaneSettings.proxy(
                load(base + "runtime: { event_loops: 3, transport: io_uring, allocator: adaptive }\n"));
        assertThat(set.eventLoops()).isEqualTo(3);
        assertThat(set.transport()).isEqualTo("io_uring");
        assertThat(set.allocator()).isEqualTo("adaptive");
        ProxySettings defaults = DataPlaneSettings.proxy(load(base));
        assertThat(defaults.transport()).isEqualTo("auto");
        assertThat(defaults.allocator()).isEqualTo("pooled");
    }

    private Config load(String yaml) throws Exception {
        Files.writeString(dir.resolve("sites.txt"), "www.example.com migrated\n");
        Path file = dir.resolve("predictor.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }
}

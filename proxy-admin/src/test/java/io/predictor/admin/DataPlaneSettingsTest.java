package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.config.Config;
import io.predictor.core.server.PoolSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataPlaneSettingsTest {

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
}

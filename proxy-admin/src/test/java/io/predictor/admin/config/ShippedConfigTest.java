package io.predictor.admin.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.config.Config.HostPort;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The files in config/ are what a newcomer starts with: they must load and pass --check. */
class ShippedConfigTest {
    /** Tests run in the module directory; config/ is beside it. */
    private static final Path SHIPPED = Path.of("..", "config", "predictor.yaml");

    @Test
    void shippedConfigLoadsWithSafeDefaults() throws ConfigException {
        Config c = ConfigLoader.load(SHIPPED);

        assertThat(c.listeners()).singleElement().satisfies(l -> {
            assertThat(l.name()).isEqualTo("http");
            assertThat(l.bind()).isEqualTo(new HostPort("127.0.0.1", 8080));
        });
        assertThat(c.admin().bind()).isEqualTo(new HostPort("127.0.0.1", 9090));
        assertThat(c.admin().tokensFile()).isEqualTo(Path.of("..", "config", "admin-tokens")).exists();
        assertThat(c.pools().get("local").servers()).containsExactly(new HostPort("127.0.0.1", 8081));
        assertThat(c.pools().get("legacy").servers()).containsExactly(new HostPort("127.0.0.1", 8082));
        assertThat(c.routing().sitesFile()).isEqualTo(Path.of("..", "config", "sites.txt"));
        assertThat(c.routing().defaultState()).isEqualTo("legacy");
        assertThat(c.state().path()).isEqualTo(Path.of("..", "var", "state"));
        assertThat(c.timeouts()).isEqualTo(ConfigReader.DEFAULT_TIMEOUTS);
        assertThat(c.limits()).isEqualTo(ConfigReader.DEFAULT_LIMITS);
    }

    @Test
    void shippedConfigPassesTheCheck() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = ConfigCheck.run(SHIPPED, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("ok: 8 sites (3 legacy, 3 migrated, 1 maintenance, 1 hold)" + System.lineSeparator());
        assertThat(status).isZero();
    }

    @Test
    void demoTokenIsMarkedAsDemoOnly() throws Exception {
        String tokens = Files.readString(Path.of("..", "config", "admin-tokens"));

        assertThat(tokens).contains("demo demo-token-change-me").contains("DEMO ONLY");
    }
}

package io.predictor.admin.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCheckTest {

    @TempDir
    Path dir;

    private ConfigFiles files;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(dir);
    }

    private int check(Path config) {
        return ConfigCheck.run(config, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void validConfigAndSitesPrintTheSummary() {
        files.write("sites.txt", """
                a.example.com legacy
                b.example.com migrated g1
                *.c.example.com maintenance g1
                d.example.com hold
                e.example.com migrated
                """);

        assertThat(check(files.write("predictor.yaml", ConfigFiles.MINIMAL))).isZero();
        assertThat(out()).isEqualTo("ok: 5 sites (1 legacy, 2 migrated, 1 maintenance, 1 hold)" + System.lineSeparator());
        assertThat(err()).isEmpty();
    }

    @Test
    void emptySitesFileIsValid() {
        files.write("sites.txt", "# nothing yet\n");

        assertThat(check(files.write("predictor.yaml", ConfigFiles.MINIMAL))).isZero();
        assertThat(out()).startsWith("ok: 0 sites (0 legacy, 0 migrated, 0 maintenance, 0 hold)");
    }

    @Test
    void badSitesLinePrintsItsFileAndLine() {
        Path sites = files.write("sites.txt", "# demo\na.example.com legacy\nb.example.com moved\n");

        assertThat(check(files.write("predictor.yaml", ConfigFiles.MINIMAL))).isEqualTo(1);
        assertThat(out()).isEmpty();
        assertThat(err()).isEqualTo(sites + ":3: unknown state 'moved' for b.example.com; expected one of legacy,"
                + " migrated, maintenance, hold" + System.lineSeparator());
        assertThat(err()).contains("sites.txt:3:");
    }

    @Test
    void tooManySitesProblemsSaysHowManyMoreThereAre() {
        Path sites = files.write("sites.txt", "bad\n".repeat(130));

        assertThat(check(files.write("predictor.yaml", ConfigFiles.MINIMAL))).isEqualTo(1);
        String[] lines = err().split(System.lineSeparator());
        assertThat(lines).hasSize(101);
        assertThat(lines[0]).startsWith(sites + ":1: site 'bad' has no state");
        assertThat(lines[100]).isEqualTo(sites + ": and 30 more problems (only the first 100 are listed)");
    }

    @Test
    void missingSitesFileIsReportedAtTheLineOfItsKey() {
        Path config = files.write("predictor.yaml", ConfigFiles.MINIMAL);

        assertThat(check(config)).isEqualTo(1);
        assertThat(err()).isEqualTo(config + ":8: routing.sites_file: " + dir.resolve("sites.txt") + " does not exist"
                + ConfigCheck.RELATIVE_HINT + System.lineSeparator());
    }

    @Test
    void missingTokensFileAndCertificateDirectoryAreReported() {
        files.write("sites.txt", "");
        String yaml = ConfigFiles.MINIMAL.replace("    bind: 127.0.0.1:8080\n",
                "    bind: 127.0.0.1:8080\n    tls: { certificates: certs }\n") + "admin:\n  tokens_file: tokens\n";
        Path config = files.write("predictor.yaml", yaml);

        assertThat(check(config)).isEqualTo(1);
        assertThat(err().split(System.lineSeparator())).containsExactly(
                config + ":4: listeners[0].tls.certificates: " + dir.resolve("certs") + " is not a directory (expected"
                        + " one holding NAME.crt + NAME.key pairs)",
                config + ":11: admin.tokens_file: " + dir.resolve("tokens") + " does not exist" + ConfigCheck.RELATIVE_HINT);
    }

    @Test
    void configProblemsArePrintedOneALineAndNothingElseIsChecked() throws Exception {
        Path config = files.write("predictor.yaml", ConfigFiles.MINIMAL + "timeouts: { connect: 5x, idle: 0s }\n");

        assertThat(check(config)).isEqualTo(1);
        assertThat(err().split(System.lineSeparator())).containsExactly(
                config + ":9: timeouts.connect: '5x' is not a duration; expected a number with ms, s, m or h,"
                        + " e.g. 250ms, 5s, 2m",
                config + ":9: timeouts.idle: 0s is not allowed; expected a duration longer than zero, e.g. 250ms, 5s, 2m");
        assertThat(out()).isEmpty();
        assertThat(Files.exists(dir.resolve("sites.txt"))).isFalse();
    }

    /** A tokens file the start would refuse (a token under 16 characters) fails the check too (found by review). */
    @Test
    void aTokensFileTheStartRefusesFailsTheCheck() {
        ConfigFiles files = new ConfigFiles(dir);
        files.write("sites.txt", "a.example.com legacy\n");
        Path tokens = files.write("tokens", "ops short\n");
        Path config = files.write("predictor.yaml", ConfigFiles.MINIMAL + "admin:\n  tokens_file: tokens\n");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = ConfigCheck.run(config, new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(1);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains(tokens + ":1: a token must be 16");
    }
}

package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code prometheus} and {@code promtool}, which {@code scripts/install-test-deps}
 * installs. A developer machine without them skips the tests that need them, saying so; in CI
 * (the {@code CI} environment variable set) a missing binary fails the build.
 */
final class PrometheusTools {

    /** Tests run in the module directory; config/ is beside it. */
    static final Path CONFIG = Path.of("..", "config");

    private PrometheusTools() {
    }

    /** The binary's path; skips (or, in CI, fails) the test when it is not installed. */
    static Path require(String name) {
        Path found = find(name);
        if (found == null) {
            String why = name + " is not installed (Debian package 'prometheus';"
                    + " scripts/install-test-deps installs it)";
            if (System.getenv("CI") != null) {
                fail(why + " — required in CI");
            }
            Assumptions.abort(why + " — skipped outside CI");
        }
        return found;
    }

    private static Path find(String name) {
        Path usr = Path.of("/usr/bin", name);
        if (Files.isExecutable(usr)) {
            return usr;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** What a finished command printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {
    }

    /** Runs a command in {@code dir} to its end (at most two minutes). */
    static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in two minutes");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

}

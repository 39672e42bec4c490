package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals during the start (found by review; both failed before). The program installed its
 * SIGTERM/SIGINT/SIGHUP handlers last, after the listeners were bound, /readyz said 200 and the
 * {@code started} event was logged; until then the JVM's own handlers applied: SIGHUP (a reload,
 * {@code systemctl reload} right after a restart) ended the process with 129, SIGTERM with 143
 * and no drain. Now the handlers are installed first and act once the program serves.
 */
class SignalsDuringStartIT {

    @TempDir
    Path dir;

    private Path config(int proxyPort, int adminPort) throws Exception {
        Files.writeString(dir.resolve("sites.txt"), "www.example.com migrated\n");
        Path config = dir.resolve("predictor.yaml");
        Files.writeString(config, String.join("\n",
                "instance: signals-test",
                "listeners: [{ name: http, bind: 127.0.0.1:" + proxyPort + " }]",
                "admin: { bind: 127.0.0.1:" + adminPort + " }",
                "pools:",
                "  local: { servers: [127.0.0.1:1] }",
                "  legacy: { servers: [127.0.0.1:1] }",
                "routing: { sites_file: sites.txt }",
                "state: { path: state }",
                ""));
        return config;
    }

    /** Waits until the program's output has {@code event} (it is then still starting). */
    private static void awaitEvent(Process p, Path out, String event) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(out).contains("\"event\":\"" + event + "\"")) {
            assertThat(p.isAlive()).as(Files.readString(out)).isTrue();
            assertThat(System.nanoTime()).as("no " + event + " in 30 s").isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    @Test
    void sighupWhileStartingDoesNotEndTheProgram() throws Exception {
        int[] ports = ProgramIT.freePorts(2);
        Path out = dir.resolve("hup.log");
        Process p = ProgramIT.start(out, java.util.List.of("-Xmx256m"), "--config", config(ports[0], ports[1]).toString());
        try {
            awaitEvent(p, out, "state_recovered"); // the state directory is locked, the admin API not yet up
            new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
            boolean ended = p.waitFor(3, TimeUnit.SECONDS);
            assertThat(ended).as("ended by SIGHUP during its start, exit " + (ended ? p.exitValue() : -1)
                    + ":\n" + Files.readString(out)).isFalse();
            awaitEvent(p, out, "started"); // and the reload asked for during the start runs once it serves
            awaitEvent(p, out, "sites_reloaded");
        } finally {
            ProgramIT.stop(p);
        }
    }

    @Test
    void sigtermWhileStartingExitsZero() throws Exception {
        int[] ports = ProgramIT.freePorts(2);
        Path out = dir.resolve("term.log");
        Process p = ProgramIT.start(out, java.util.List.of("-Xmx256m"), "--config", config(ports[0], ports[1]).toString());
        try {
            awaitEvent(p, out, "state_recovered");
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("exit code after SIGTERM (SPEC §2: 0):\n" + Files.readString(out)).isZero();
        } finally {
            ProgramIT.stop(p);
        }
    }
}

package io.predictor.admin.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config inputs a review found accepted or misreported (each case failed before): one bind
 * spelled two ways or overlapping a wildcard (passed --check, failed the start), durations that
 * overflow, a YAML reader error at line 0, other scripts' digits read as numbers.
 */
class ConfigEdgeCasesTest {
    @TempDir
    Path dir;

    private ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(dir);
    }

    /** A config with these listener lines (listeners start on line 2), the two pools, the sites file, then {@code extra}. */
    private static String withListeners(String listenerLines, String extra) {
        return "listeners:\n" + listenerLines + """
                pools:
                  local: { servers: [127.0.0.1:8081] }
                  legacy: { servers: [127.0.0.1:8082] }
                routing:
                  sites_file: sites.txt
                """ + extra;
    }

    /** A control character (e.g. pasted from a terminal) on line 11 was reported at line 0. */
    @Test
    void controlCharacterIsReportedAtItsLine() {
        List<String> p = files.problemsAtLines(ConfigFiles.MINIMAL + "timeouts:\n  connect: 2s\n  idle: 5s\u0007\n");
        assertThat(p).hasSize(1);
        assertThat(p.get(0)).startsWith("11: ");
    }

    /**
     * A path written as a block scalar ({@code sites_file: |}) kept its final line break: the
     * check passed and the start failed with "not found" for a name that looked right.
     */
    @Test
    void aPathWithALineBreakIsRefusedAtItsLine() {
        List<String> p = files.problemsAtLines(withListeners("""
                  - { name: http, bind: "127.0.0.1:8080" }
                """, "").replace("sites_file: sites.txt\n", "sites_file: |\n    sites.txt\n"));
        assertThat(p).hasSize(1);
        assertThat(p.get(0)).startsWith("7: routing.sites_file").contains("'sites.txt' has a control character (U+000A)")
                .contains("'|-' does not");
    }

    /** One address spelled two ways passed --check, and the start failed with "address already in use". */
    @Test
    void sameIpv6BindSpelledTwoWaysIsADuplicate() {
        List<String> p = files.problemsAtLines(withListeners("""
                  - { name: a, bind: "[::1]:8080" }
                  - { name: b, bind: "[0:0:0:0:0:0:0:1]:8080" }
                """, ""));
        assertThat(p).anyMatch(s -> s.startsWith("3: listeners[1].bind"));
    }

    @Test
    void adminBindEqualToAListenerSpelledDifferentlyIsRefused() {
        List<String> p = files.problemsAtLines(withListeners("""
                  - { name: http, bind: "[::1]:8080" }
                """, "admin: { bind: \"[0::1]:8080\" }\n"));
        assertThat(p).anyMatch(s -> s.contains("admin.bind"));
    }

    /** A wildcard bind and a specific address on the same port cannot both be bound (SO_REUSEADDR only). */
    @Test
    void wildcardAndSpecificBindOnOnePortOverlap() {
        List<String> p = files.problemsAtLines(withListeners("""
                  - { name: a, bind: "0.0.0.0:8080" }
                  - { name: b, bind: "127.0.0.1:8080" }
                """, ""));
        assertThat(p).anyMatch(s -> s.startsWith("3: listeners[1].bind"));
    }

    /**
     * timeouts.connect is an int of milliseconds for Netty's CONNECT_TIMEOUT_MILLIS: 600h became
     * negative (Netty refused it and kept 30s); 2^32 ms became 0, no timeout at all.
     */
    @Test
    void connectTimeoutBeyondIntMillisIsRefused() {
        List<String> p = files.problemsAtLines(ConfigFiles.MINIMAL + "timeouts: { connect: 600h }\n");
        assertThat(p).anyMatch(s -> s.contains("timeouts.connect"));
    }

    /** A drain of 999999999h overflowed the nanosecond deadline it becomes, and the drain ended at once. */
    @Test
    void aDurationLongerThanADayIsRefused() throws ConfigException {
        List<String> p = files.problemsAtLines(ConfigFiles.MINIMAL + "timeouts: { drain: 999999999h }\n");
        assertThat(p).anyMatch(s -> s.contains("timeouts.drain") && s.contains("longer than the 24h"));
        assertThat(files.load(ConfigFiles.MINIMAL + "timeouts: { drain: 24h }\n").timeouts().drain())
                .isEqualTo(java.time.Duration.ofHours(24));
    }

    /** Integer.parseInt takes any Unicode digits: max_headers: \u0661\u0660\u0660 (Arabic-Indic) was read as 100. */
    @Test
    void nonAsciiDigitsAreNotANumber() {
        List<String> p = files.problemsAtLines(ConfigFiles.MINIMAL + "limits: { max_headers: \u0661\u0660\u0660 }\n");
        assertThat(p).anyMatch(s -> s.contains("limits.max_headers"));
    }
}

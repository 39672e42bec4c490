package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.server.Transport;
import io.predictor.core.testing.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/predictor}, the launcher, run as an operator runs it (from the checkout, after
 * {@code mvn package}): the default JVM flags are the benchmark's, {@code JAVA_OPTS} adds to them,
 * {@code PREDICTOR_JVM_FLAGS} replaces them, {@code PREDICTOR_JAR} names the jar.
 */
class LauncherIT {

    static final Path LAUNCHER = Path.of("..", "bin", "predictor");

    @TempDir
    Path dir;

    record Run(int exit, String output) {
    }

    /** The launcher with the environment of the tests minus the launcher's variables, plus {@code env}. */
    static ProcessBuilder launcher(Map<String, String> env, String... args) {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(LAUNCHER.toString()), Stream.of(args)).toList());
        Map<String, String> e = pb.environment();
        for (String k : List.of("PREDICTOR_JVM_FLAGS", "PREDICTOR_JAR", "PREDICTOR_CDS", "JAVA_OPTS", "JAVA_TOOL_OPTIONS")) {
            e.remove(k);
        }
        e.put("JAVA_HOME", System.getProperty("java.home")); // the JDK running the tests
        e.putAll(env);
        return pb;
    }

    /** Starts the launcher (see {@link #launcher}), its stdout and stderr together in {@code out}. */
    Process start(Path out, Map<String, String> env, String... args) throws IOException {
        return launcher(env, args).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    /** Runs the launcher to its end; returns its exit code and output. */
    Run run(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "launcher", ".log");
        Process p = start(out, env, args);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out));
    }

    @Test
    void theLauncherIsAnExecutableShellScript() throws IOException {
        assertThat(Files.isExecutable(LAUNCHER)).isTrue();
        assertThat(Files.readAllLines(LAUNCHER).get(0)).isEqualTo("#!/bin/sh");
    }

    @Test
    void checkRunsWithTheBenchmarksJvmFlags() throws Exception {
        Run r = run(Map.of("JAVA_OPTS", "-XX:+PrintCommandLineFlags -XshowSettings:properties"),
                "--check", "--config", "../config/predictor.yaml");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("ok: 8 sites (")
                .contains("-XX:+UseSerialGC", "-XX:InitialHeapSize=268435456", "-XX:MaxHeapSize=268435456",
                        "-XX:NewSize=83886080", "-XX:MaxNewSize=83886080", "-XX:+AlwaysPreTouch",
                        "-XX:+UseTransparentHugePages", "-XX:PretenureSizeThreshold=1048576", "-XX:MetaspaceSize=67108864")
                .contains("io.netty.leakDetection.level = disabled");
    }

    @Test
    void predictorJvmFlagsReplaceTheDefaultsAndJavaOptsComeLast() throws Exception {
        Run r = run(Map.of("PREDICTOR_JVM_FLAGS", "-Xmx200m -XX:+UseSerialGC", "JAVA_OPTS",
                "-XX:+PrintCommandLineFlags -XX:-UseSerialGC -XX:+UseParallelGC"),
                "--check", "--config", "../config/predictor.yaml");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("-XX:MaxHeapSize=209715200", "-XX:+UseParallelGC")
                .doesNotContain("-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-XX:NewSize=134217728");
    }

    @Test
    void theJvmsOwnWarningsGoToStderrNotAmongTheJsonLinesOnStdout() throws Exception {
        // a JVM warning — here hugetlbfs large pages asked for (not the launcher's transparent
        // huge pages) where none are configured — is a unified logging line, which the JVM
        // writes to stdout unless told otherwise
        Path out = dir.resolve("stdout.log");
        Path err = dir.resolve("stderr.log");
        Process p = launcher(Map.of("JAVA_OPTS", "-XX:-UseTransparentHugePages -XX:+UseLargePages"),
                "--check", "--config", "../config/predictor.yaml")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        Assumptions.assumeTrue((stdout + stderr).contains("[warning]"),
                "this machine has hugetlbfs pages configured: the JVM has no warning to route");
        assertThat(p.exitValue()).as(stdout + stderr).isZero();
        assertThat(stdout).startsWith("ok: 8 sites (").doesNotContain("[warning]");
        assertThat(stderr).contains("[warning]");
    }

    @Test
    void aClassDataArchiveNewerThanTheJarIsUsedAndAnOlderOneIsNot() throws Exception {
        Path archive = dir.resolve("predictor.jsa");
        Map<String, String> cds = Map.of("PREDICTOR_CDS", archive.toString());
        Run made = run(Map.of("PREDICTOR_CDS", archive.toString(), "JAVA_OPTS", "-XX:ArchiveClassesAtExit=" + archive),
                "--check", "--config", "../config/predictor.yaml");
        assertThat(made.exit()).as(made.output()).isZero();
        Assumptions.assumeTrue(Files.exists(archive), () -> "this JDK made no archive (no base CDS archive?): " + made.output());

        Map<String, String> withLog = new java.util.HashMap<>(cds);
        withLog.put("JAVA_OPTS", "-Xlog:class+load=info");
        Run used = run(withLog, "--check", "--config", "../config/predictor.yaml");
        assertThat(used.exit()).as(used.output()).isZero();
        assertThat(used.output()).containsPattern("io\\.predictor\\.\\S+ source: shared objects file \\(top\\)");

        // an archive older than the jar was made for another build: left alone
        Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(Path.of("target", "predictor.jar")).toMillis() - 3_600_000));
        Run stale = run(withLog, "--check", "--config", "../config/predictor.yaml");
        assertThat(stale.exit()).as(stale.output()).isZero();
        assertThat(stale.output()).doesNotContain("shared objects file (top)");
    }

    @Test
    void aMissingJarSaysHowToBuildIt() throws Exception {
        Path missing = dir.resolve("nowhere.jar");
        Run r = run(Map.of("PREDICTOR_JAR", missing.toString()), "--check");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.output()).startsWith("bin/predictor: no jar at " + missing + "; build it with"
                + " 'mvn -B -DskipTests package'");
    }

    @Test
    void theProgramServesOnIoUringWithTheAdaptiveAllocator() throws Exception {
        Assumptions.assumeTrue(Transport.isAvailable("io_uring"),
                () -> "io_uring is not available on this machine: " + Transport.unavailabilityReason("io_uring"));
        int[] ports = ProgramIT.freePorts(4);
        Path file = ProgramIT.shippedConfigOnFreePorts(dir, ports);
        String yaml = Files.readString(file)
                .replace("  transport: auto ", "  transport: io_uring ")
                .replace("  allocator: pooled ", "  allocator: adaptive ");
        assertThat(yaml).contains("transport: io_uring ").contains("allocator: adaptive ");
        Files.writeString(file, yaml);
        Path out = dir.resolve("serve.log");
        Process p = start(out, Map.of(), "--config", file.toString(), "--demo");
        try {
            ProgramIT.awaitReady(p, ports[1], out);
            try (RawClient c = new RawClient(new InetSocketAddress("127.0.0.1", ports[0]))) {
                for (int i = 0; i < 20; i++) {
                    assertThat(c.get("www.example.com", "/").bodyText()).startsWith("Hello from local");
                    assertThat(c.get("www.example.org", "/").bodyText()).startsWith("Hello from legacy");
                }
            }
            assertThat(Files.readString(out)).contains("\"event\":\"started\"")
                    .contains("\"transport\":\"io_uring\",\"allocator\":\"adaptive\"");
        } finally {
            p.destroy(); // SIGTERM: bin/predictor exec'd java, so this is the JVM
            boolean exited = p.waitFor(30, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly();
            }
            assertThat(exited).as(Files.readString(out)).isTrue();
        }
        assertThat(p.exitValue()).as("SIGTERM exits 0: " + Files.readString(out)).isZero();
    }

    /**
     * Issue 4 in the product's default heap ({@code -Xmx256m}): a reload of a 3,000,000-site file
     * with a few differences patches them onto the table in service (200); one that renames every
     * site must be read whole, and its table does not fit beside the first: 503
     * {@code insufficient_heap}, the table in service kept. (A second table of the same size as
     * the first may or may not fit in 256 MB, depending on where the collector puts it.) 20–40 s: writing the file three
     * times, loading it once, and two paced reloads.
     */
    @Test
    void aReloadOfThreeMillionSitesWorksInTheDefaultHeapAndOneThatDoesNotFitIs503() throws Exception {
        int[] ports = ProgramIT.freePorts(4);
        Path config = ProgramIT.shippedConfigOnFreePorts(dir, ports);
        Path sites = config.resolveSibling("sites.txt");
        int n = 3_000_000;
        writeSites(sites, n, i -> site(i, i % 2 == 0 ? "legacy" : "migrated"));
        Path out = dir.resolve("serve.log");
        Process p = start(out, Map.of(), "--config", config.toString());
        try {
            ProgramIT.awaitReady(p, ports[1], out);
            // 300 changed, 300 removed, 300 added
            writeSites(sites, n, i -> switch (i % 10_000) {
                case 0 -> site(i, "maintenance");
                case 1 -> "";
                case 2 -> site(i, "legacy") + "n" + i + ".example.com hold\n";
                default -> site(i, i % 2 == 0 ? "legacy" : "migrated");
            });
            HttpResponse<String> patched = reload(ports[1]);
            assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
            assertThat(patched.body().strip()).isEqualTo("{\"revision\":1,\"sites\":3000000,\"rebuilt\":false,"
                    + "\"added\":300,\"changed\":300,\"removed\":300}");

            // every name new and longer: a whole read, whose table (~180 MB) cannot fit beside the one in service
            writeSites(sites, n, i -> "s" + i + ".a-longer-name-for-each-customer.example.com legacy\n");
            HttpResponse<String> whole = reload(ports[1]);
            assertThat(whole.statusCode()).as(whole.body()).isEqualTo(503);
            assertThat(whole.body()).startsWith("{\"error\":\"insufficient_heap\"").contains("-Xmx");
            HttpResponse<String> site = get(ports[1], "/api/v1/sites/s20000.example.com");
            assertThat(site.body()).as("the patched table still in service")
                    .startsWith("{\"host\":\"s20000.example.com\",\"state\":\"maintenance\",\"group\":\"filer-0\","
                            + "\"revision\":0");
            assertThat(get(ports[1], "/api/v1/status").body()).startsWith("{\"revision\":1,");
        } finally {
            ProgramIT.stop(p);
        }
    }

    private static String site(int i, String state) {
        return "s" + i + ".example.com " + state + " filer-" + i % 5000 + "\n";
    }

    /** Writes the lines {@code line} makes of 0 .. n-1 ("" for none). */
    static void writeSites(Path file, int n, java.util.function.IntFunction<String> line) throws IOException {
        try (java.io.Writer w = Files.newBufferedWriter(file, java.nio.charset.StandardCharsets.US_ASCII)) {
            for (int i = 0; i < n; i++) {
                w.write(line.apply(i));
            }
        }
    }

    static HttpResponse<String> reload(int adminPort) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/api/v1/reload")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer demo-token-change-me")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(int adminPort, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

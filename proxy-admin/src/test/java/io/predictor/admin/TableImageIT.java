package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.state.TableImages;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base table's image, end to end: the packaged program writes it after a start or a reload
 * that read the sites file whole, and the next start reads the table from it, unless the sites
 * file changed since.
 */
class TableImageIT {

    @TempDir
    Path dir;

    /** {@code bin/predictor}'s heap. */
    static final List<String> HEAP = List.of("-XX:+UseSerialGC", "-Xms256m", "-Xmx256m", "-Xmn80m",
            "-XX:PretenureSizeThreshold=1m");

    @Test
    void threeMillionSitesStartFromTheImageAndAChangedSitesFileIsParsedAgain() throws Exception {
        int[] ports = ProgramIT.freePorts(4);
        Path config = ProgramIT.shippedConfigOnFreePorts(dir, ports);
        Path sites = config.resolveSibling("sites.txt");
        int n = 3_000_000;
        LauncherIT.writeSites(sites, n, i -> "s" + i + ".example.com " + (i % 2 == 0 ? "legacy" : "migrated") + " filer-" + i % 5000 + "\n");

        String first = startAndStop(config, ports, "first.log", true);
        assertThat(first).contains("\"table_from\":\"sites_file\"").contains("\"table_image\":\"no_image\"")
                .contains("\"sites\":3000000");

        String second = startAndStop(config, ports, "second.log", false, "s20001.example.com", "migrated");
        assertThat(second).contains("\"table_from\":\"image\"").contains("\"table_image\":\"used\"")
                .contains("\"sites\":3000000")
                .doesNotContain("table_image_written");

        // one state changed, legacy -> migrated, the same file length otherwise but for the state's
        LauncherIT.writeSites(sites, n, i -> "s" + i + ".example.com " + (i % 2 == 0 && i != 20000 ? "legacy" : "migrated")
                + " filer-" + i % 5000 + "\n");
        String third = startAndStop(config, ports, "third.log", true, "s20000.example.com", "migrated");
        assertThat(third).as("an image of another sites file is not used").contains("\"table_from\":\"sites_file\"")
                .contains("\"table_image\":\"other_sites_file\"");
        System.out.println("3,000,000 sites: " + startLine(first) + " / " + startLine(second) + " / " + startLine(third));
    }

    @Test
    void eachReloadWritesTheImageOfItsTableWholeOrPatched() throws Exception {
        int[] ports = ProgramIT.freePorts(4);
        Path config = ProgramIT.shippedConfigOnFreePorts(dir, ports);
        Path sites = config.resolveSibling("sites.txt");
        Path out = dir.resolve("serve.log");
        Process p = ProgramIT.start(out, HEAP, "--config", config.toString());
        try {
            ProgramIT.awaitReady(p, ports[1], out);
            awaitCount(out, "table_image_written", 1);
            // more new sites than a reload patches (1,024 for a small table): it reads the file whole
            StringBuilder more = new StringBuilder(Files.readString(sites));
            for (int i = 0; i < 2_000; i++) {
                more.append("new-").append(i).append(".example.org migrated filer-new\n");
            }
            Files.writeString(sites, more);
            HttpResponse<String> whole = LauncherIT.reload(ports[1]);
            assertThat(whole.body()).contains("\"rebuilt\":true");
            awaitCount(out, "table_image_written", 2);
            // one state changed: a patch of the table just read whole
            Files.writeString(sites, Files.readString(sites).replace("new-7.example.org migrated", "new-7.example.org legacy"));
            HttpResponse<String> patched = LauncherIT.reload(ports[1]);
            assertThat(patched.body()).contains("\"rebuilt\":false").contains("\"changed\":1");
            awaitCount(out, "table_image_written", 3);
        } finally {
            ProgramIT.stop(p);
        }
        String again = startAndStop(config, ports, "again.log", false, "new-7.example.org", "legacy");
        assertThat(again).contains("\"table_from\":\"image\"").contains("\"sites\":2008");
        assertThat(dir.resolve("var/state").resolve(TableImages.FILE_NAME)).exists();
    }

    /**
     * Starts the program on {@code config}, waits until it is ready (and, if {@code imageWritten},
     * until it has written its table's image), checks that {@code host} is in {@code state} (if
     * given), stops it; its output.
     */
    private String startAndStop(Path config, int[] ports, String log, boolean imageWritten, String... hostAndState)
            throws Exception {
        Path out = dir.resolve(log);
        Process p = ProgramIT.start(out, HEAP, "--config", config.toString());
        try {
            ProgramIT.awaitReady(p, ports[1], out);
            if (imageWritten) {
                awaitCount(out, "table_image_written", 1);
            }
            if (hostAndState.length == 2) {
                assertThat(ProgramIT.get(ports[1], "/api/v1/sites/" + hostAndState[0]).body())
                        .contains("\"state\":\"" + hostAndState[1] + "\"");
            }
        } finally {
            ProgramIT.stop(p);
        }
        return Files.readString(out);
    }

    private static String startLine(String log) {
        Matcher m = Pattern.compile("\"table_from\":\"\\w+\",\"table_ms\":\\d+").matcher(log);
        return m.find() ? m.group() : "?";
    }

    /** Waits up to 60 s until {@code event} is in {@code out} {@code count} times. */
    private static void awaitCount(Path out, String event, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Pattern p = Pattern.compile("\"event\":\"" + event + "\"");
        while (true) {
            String log = Files.readString(out);
            if (p.matcher(log).results().count() >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(event + " not logged " + count + " time(s) in 60 s:\n" + log);
            }
            Thread.sleep(50);
        }
    }
}

package io.predictor.admin.config;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of {@link ConfigLoader} on arbitrary file contents (YAML or not).
 * Properties: the loader returns a {@link Config} or throws {@link ConfigException}, never any
 * other exception (a SnakeYAML error, a ClassCastException on an unexpected node, a number
 * overflow...); a Config is complete (the two required pools, a listener, a sites file, a
 * default route, every section); a ConfigException lists at least one problem, each naming the
 * file and a line that exists (0 for the whole file); loading the same bytes twice gives the same
 * answer.
 */
class ConfigLoaderFuzzTest {

    private static final Path FILE;

    static {
        try {
            // tmpfs where there is one: a write to the disk costs milliseconds, a hundred times the parse
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "config-fuzz") : Files.createTempDirectory("config-fuzz");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("predictor.yaml");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "ConfigLoaderFuzzTest.dict")
    void config(byte[] input) throws IOException {
        Files.write(FILE, input);
        String first = outcome(input);
        check(first.equals(outcome(input)), "loading the same file twice gave different answers");
    }

    private static String outcome(byte[] input) {
        Config config;
        try {
            config = ConfigLoader.load(FILE);
        } catch (ConfigException e) {
            int lines = lineCount(input);
            check(!e.problems().isEmpty(), "a ConfigException without problems");
            for (ConfigProblem p : e.problems()) {
                check(p.file().equals(FILE.toString()), "a problem naming another file: " + p);
                check(p.line() >= 0 && p.line() <= lines, "a problem at line " + p.line() + " of " + lines + ": " + p);
                check(p.message() != null && !p.message().isBlank(), "a problem without a message: " + p);
            }
            return e.getMessage();
        }
        check(config != null, "load returned null");
        check(config.file().equals(FILE), "the config names another file");
        check(!config.listeners().isEmpty(), "a config without listeners");
        check(config.pools().containsKey("local") && config.pools().containsKey("legacy"), "a config without the two pools");
        check(config.admin() != null && config.routing() != null && config.state() != null && config.timeouts() != null
                && config.limits() != null && config.runtime() != null && config.instance() != null, "a section is missing");
        check(config.routing().sitesFile() != null && config.routing().defaultState() != null, "routing incomplete");
        return config.toString();
    }

    /** Lines as an editor counts them (LF, CRLF, CR, and the separators YAML also breaks on). */
    private static int lineCount(byte[] input) {
        int lines = 1;
        for (int i = 0; i < input.length; i++) {
            if (input[i] == '\n' || (input[i] == '\r' && (i + 1 == input.length || input[i + 1] != '\n'))) {
                lines++;
            }
        }
        // NEL (U+0085), LS (U+2028), PS (U+2029) are line breaks to YAML 1.1
        String text = new String(input, java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0085' || c == '\u2028' || c == '\u2029') {
                lines++;
            }
        }
        return lines;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}

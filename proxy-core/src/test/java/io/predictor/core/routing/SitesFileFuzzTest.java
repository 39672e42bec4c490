package io.predictor.core.routing;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Coverage-guided fuzzing of {@link SitesFileParser} on arbitrary file contents. Properties:
 * never an exception; either a table and no problems, or no table and at least one problem;
 * every problem names the file and a line that exists (1 .. number of lines), in file order, and
 * at most {@link SitesFileParser#MAX_LISTED_ERRORS} are listed; with a table, every plain
 * {@code HOST STATE [GROUP]} line (as a simple independent tokenizer reads it) resolves to its
 * state and group, and the table has no more entries than lines.
 */
class SitesFileFuzzTest {

    private static final Path FILE;

    static {
        try {
            // tmpfs where there is one: a write to the disk costs milliseconds, a hundred times the parse
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "sites-fuzz") : Files.createTempDirectory("sites-fuzz");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("sites.txt");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "SitesFileFuzzTest.dict")
    void sitesFile(byte[] input) throws IOException {
        Files.write(FILE, input);
        SitesFileParser.Result result = SitesFileParser.parse(FILE);
        List<String> lines = lines(input);
        if (result.ok()) {
            check(result.problems().isEmpty() && result.problemCount() == 0, "a table and problems");
            check(result.table().size() <= lines.size(), "more sites than lines");
            RoutingSnapshot snapshot = RoutingSnapshot.of(result.table(), 0, SiteState.LEGACY);
            for (String line : lines) {
                String[] t = tokens(line);
                if (t.length < 2 || t[0].startsWith("*.")) {
                    continue;
                }
                String host = t[0];
                SiteView view = snapshot.describe(host);
                check(view != null, "accepted site '" + host + "' does not resolve");
                check(view.state().wireName().equals(t[1].toLowerCase(Locale.ROOT)),
                        "site '" + host + "' resolves to " + view.state() + ", the file says " + t[1]);
                if (t.length == 3) {
                    String group = new String(t[2].getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
                    check(group.equals(view.group()), "site '" + host + "' is in group " + view.group() + ", the file says " + group);
                }
            }
        } else {
            check(result.table() == null, "ok() is false but there is a table");
            check(result.problemCount() >= 1 && !result.problems().isEmpty(), "no table and no problem");
            check(result.problems().size() == Math.min(result.problemCount(), SitesFileParser.MAX_LISTED_ERRORS),
                    result.problems().size() + " problems listed of " + result.problemCount());
            int previous = 0;
            for (SitesFileParser.Problem p : result.problems()) {
                check(p.line() >= 1 && p.line() <= lines.size(), "problem at line " + p.line() + " of " + lines.size() + ": " + p);
                check(p.line() > previous, "problems out of file order or two on one line: " + result.problems());
                check(p.file().equals(FILE.toString()) && !p.message().isBlank(), "problem without file or message: " + p);
                previous = p.line();
            }
        }
    }

    /** The file's lines, split at LF only (a CR is whitespace), as ISO-8859-1 so bytes round-trip. */
    private static List<String> lines(byte[] input) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < input.length; i++) {
            if (input[i] == '\n') {
                lines.add(new String(input, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        if (start < input.length) {
            lines.add(new String(input, start, input.length - start, StandardCharsets.ISO_8859_1));
        }
        return lines;
    }

    /** Tokens before any '#', separated by spaces, tabs and CRs. */
    private static String[] tokens(String line) {
        int hash = line.indexOf('#');
        String content = hash < 0 ? line : line.substring(0, hash);
        List<String> tokens = new ArrayList<>();
        for (String t : content.split("[ \t\r]+")) {
            if (!t.isEmpty()) {
                tokens.add(t);
            }
        }
        return tokens.toArray(new String[0]);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}

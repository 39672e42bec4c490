package io.predictor.admin.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads and checks a config file (SPEC §3). Strict: unknown keys, wrong types and bad values are
 * errors, and all of them are reported at once, each with its file and line.
 */
public final class ConfigLoader {
    /** A config file is a few KiB; anything this large is the wrong file. */
    static final int MAX_FILE_BYTES = 1 << 20;
    /** Aliases are harmless in a trusted file, but a few nested ones can expand to gigabytes ("billion laughs"). */
    private static final int MAX_ALIASES = 50;
    private static final int MAX_NESTING = 32;

    private ConfigLoader() {
    }

    /**
     * Reads {@code file}; relative paths inside it are resolved against its directory.
     *
     * @throws ConfigException listing every problem found, when the file cannot be used
     */
    public static Config load(Path file) throws ConfigException {
        return loadWithLines(file).config();
    }

    /** A loaded config and the line of each of its keys, for checks made after loading ({@link ConfigCheck}). */
    record Loaded(Config config, Map<String, Integer> keyLines) {
        /** The line of a key by its dotted path ({@code routing.sites_file}), or 0 when it was not written. */
        int lineOf(String path) {
            return keyLines.getOrDefault(path, 0);
        }
    }

    static Loaded loadWithLines(Path file) throws ConfigException {
        String name = file.toString();
        String text = readText(file, name);
        Node root = compose(text, name);
        Path dir = file.getParent() == null ? Path.of("") : file.getParent();
        YamlNodes nodes = new YamlNodes(name);
        Config config = new ConfigReader(nodes, file, dir).read(root);
        List<ConfigProblem> problems = nodes.problems();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Loaded(config, nodes.keyLines());
    }

    private static String readText(Path file, String name) throws ConfigException {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw fail(name, 0, "the file is " + size + " bytes, more than a config file can be ("
                        + Sizes.format(MAX_FILE_BYTES) + "); is it the right file?");
            }
            String text = Files.readString(file);
            // a byte order mark from a Windows editor is not content
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (NoSuchFileException e) {
            throw fail(name, 0, "the config file does not exist (use --config FILE to name another)");
        } catch (AccessDeniedException e) {
            throw fail(name, 0, "the config file cannot be read: permission denied");
        } catch (MalformedInputException e) {
            throw fail(name, 0, "the config file is not UTF-8 text");
        } catch (IOException e) {
            throw fail(name, 0, "the config file cannot be read: " + e);
        }
    }

    private static Node compose(String text, String name) throws ConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setCodePointLimit(MAX_FILE_BYTES);
        options.setAllowDuplicateKeys(false);
        try {
            return new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw fail(name, mark == null ? 0 : mark.getLine() + 1, "YAML syntax error: " + syntaxMessage(e));
        } catch (org.yaml.snakeyaml.reader.ReaderException e) {
            // not a MarkedYAMLException, but it knows where: the line of its character (found by review)
            throw fail(name, lineOf(text, e.getPosition()), "YAML error: " + e.getMessage());
        } catch (YAMLException e) {
            throw fail(name, 0, "YAML error: " + e.getMessage());
        }
    }

    /** The 1-based line of the character at {@code position} (in code points, as the YAML reader counts) in {@code text}. */
    private static int lineOf(String text, int position) {
        int line = 1;
        int at = 0;
        for (int i = 0; i < text.length() && at < position; i += Character.charCount(text.codePointAt(i)), at++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String syntaxMessage(MarkedYAMLException e) {
        String problem = e.getProblem() == null ? "invalid YAML" : e.getProblem();
        StringBuilder sb = new StringBuilder(problem);
        if (e.getContext() != null) {
            sb.append(" (").append(e.getContext());
            Mark context = e.getContextMark();
            if (context != null && e.getProblemMark() != null && context.getLine() != e.getProblemMark().getLine()) {
                sb.append(" started at line ").append(context.getLine() + 1);
            }
            sb.append(')');
        }
        return sb.toString();
    }

    private static ConfigException fail(String file, int line, String message) {
        return new ConfigException(List.of(new ConfigProblem(file, line, message)));
    }
}

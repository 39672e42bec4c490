package io.predictor.admin.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed reads from a composed YAML node tree that never stop at a problem: each one is recorded
 * with the file and the line of the offending node, and the read goes on, so that a user sees
 * every mistake at once. Also remembers the line of every key, for checks made later.
 */
final class YamlNodes {
    private final String file;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Map<String, Integer> keyLines = new HashMap<>();

    YamlNodes(String file) {
        this.file = file;
    }

    static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    /** Absent, empty, or {@code []}: a list that should have items and has none. */
    static boolean isEmptyList(Node node) {
        return node == null || isNull(node)
                || node instanceof SequenceNode && ((SequenceNode) node).getValue().isEmpty();
    }

    /** What the user wrote instead of what was expected, for messages. */
    static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return isNull(node) ? "no value" : "'" + ((ScalarNode) node).getValue() + "'";
    }

    void problem(int line, String message) {
        problems.add(new ConfigProblem(file, line, message));
    }

    /** The problems found so far, in file order. */
    List<ConfigProblem> problems() {
        List<ConfigProblem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingInt(ConfigProblem::line));
        return sorted;
    }

    void keyLine(String path, int line) {
        keyLines.put(path, line);
    }

    /** Line of each key by its dotted path ({@code routing.sites_file}, {@code listeners[0].bind}). */
    Map<String, Integer> keyLines() {
        return Map.copyOf(keyLines);
    }

    /**
     * A mapping with a fixed set of keys ({@code validKeys} null: any key); unknown and duplicate
     * keys are problems. A missing or empty node is an empty section, so that defaults apply.
     */
    Section section(Node node, String path, int line, List<String> validKeys) {
        return new Section(this, node, path, line, validKeys);
    }

    /** Reads a scalar with {@code kind}; records a problem and returns null when it is not one. */
    <T> T scalar(Node node, String path, ValueKind<T> kind) {
        if (!(node instanceof ScalarNode) || isNull(node)) {
            problem(line(node), path + ": expected " + kind.expected() + ", found " + describe(node));
            return null;
        }
        try {
            return kind.parse(((ScalarNode) node).getValue());
        } catch (IllegalArgumentException e) {
            problem(line(node), path + ": " + e.getMessage());
            return null;
        }
    }

    /** The items of a list; an empty value is an empty list; anything else is a problem and no items. */
    List<Node> sequence(Node node, String path, String expected) {
        if (node == null || isNull(node)) {
            return List.of();
        }
        if (!(node instanceof SequenceNode)) {
            String hint = node instanceof ScalarNode
                    ? " (write a list even for one item: [" + ((ScalarNode) node).getValue() + "])" : "";
            problem(line(node), path + ": expected a list of " + expected + ", found " + describe(node) + hint);
            return List.of();
        }
        return ((SequenceNode) node).getValue();
    }
}

package io.predictor.admin.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * One YAML mapping of the config file being read, like {@code timeouts} or {@code listeners[0]}:
 * typed reads by key with defaults, every problem reported through {@link YamlNodes} with its line.
 * {@code validKeys} null means any key (the names of {@code pools}).
 */
final class Section {
    private final YamlNodes nodes;
    private final String path;
    private final int line;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    /** Not a mapping (already reported): missing keys are not reported again. */
    private boolean malformed;

    /** {@code line}: where problems of the whole mapping (a missing key) are reported, e.g. the line of its key. */
    Section(YamlNodes nodes, Node node, String path, int line, List<String> validKeys) {
        this.nodes = nodes;
        this.path = path;
        this.line = line;
        if (node == null || YamlNodes.isNull(node)) {
            return;
        }
        if (!(node instanceof MappingNode)) {
            String keys = validKeys == null ? "" : " with keys " + String.join(", ", validKeys);
            nodes.problem(YamlNodes.line(node), where() + "expected a mapping" + keys + ", found "
                    + YamlNodes.describe(node));
            malformed = true;
            return;
        }
        for (NodeTuple t : ((MappingNode) node).getValue()) {
            Node key = t.getKeyNode();
            int keyLine = YamlNodes.line(key);
            if (!(key instanceof ScalarNode) || YamlNodes.isNull(key)) {
                nodes.problem(keyLine, where() + "keys must be plain names, found " + YamlNodes.describe(key));
                continue;
            }
            String name = ((ScalarNode) key).getValue();
            if (validKeys != null && !validKeys.contains(name)) {
                nodes.problem(keyLine, unknownKey(name, validKeys));
            } else if (entries.containsKey(name)) {
                int first = YamlNodes.line(entries.get(name).getKeyNode());
                nodes.problem(keyLine, "duplicate key '" + pathOf(name) + "' (first at line " + first + ");"
                        + " each key may appear once");
            } else {
                entries.put(name, t);
                nodes.keyLine(pathOf(name), keyLine);
            }
        }
    }

    String path() {
        return path;
    }

    /** The line where problems of this mapping as a whole are reported. */
    int line() {
        return line;
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    Set<String> keys() {
        return entries.keySet();
    }

    /** The value node of {@code key}, or null when absent. */
    Node node(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? null : t.getValueNode();
    }

    /** The key node of {@code key}, or null when absent. */
    Node keyNode(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? null : t.getKeyNode();
    }

    /** The line of {@code key}, or of this section when the key is absent. */
    int lineOf(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? line : YamlNodes.line(t.getKeyNode());
    }

    /** The value of an optional key: {@code defaultValue} when absent or invalid (the problem is recorded). */
    <T> T get(String key, ValueKind<T> kind, T defaultValue) {
        if (!has(key)) {
            return defaultValue;
        }
        T value = nodes.scalar(node(key), pathOf(key), kind);
        return value == null ? defaultValue : value;
    }

    /** The value of a required key: null, with a problem recorded, when absent or invalid. */
    <T> T require(String key, ValueKind<T> kind) {
        if (!has(key)) {
            missing(key, kind.expected());
            return null;
        }
        return nodes.scalar(node(key), pathOf(key), kind);
    }

    /** Whether the node was something other than a mapping (a problem already reported). */
    boolean malformed() {
        return malformed;
    }

    void missing(String key, String expected) {
        if (malformed) {
            return;
        }
        nodes.problem(line, pathOf(key) + ": required but missing; expected " + expected);
    }

    /** The valid items of a list of scalars; an absent key is an empty list. */
    <T> List<T> list(String key, ValueKind<T> kind) {
        List<T> out = new ArrayList<>();
        List<Node> items = nodes.sequence(node(key), pathOf(key), kind.expected());
        for (int i = 0; i < items.size(); i++) {
            T value = nodes.scalar(items.get(i), pathOf(key) + "[" + i + "]", kind);
            if (value != null) {
                out.add(value);
            }
        }
        return out;
    }

    /** The nodes of a list; an absent key is an empty list. */
    List<Node> sequence(String key, String expected) {
        return nodes.sequence(node(key), pathOf(key), expected);
    }

    /** A nested mapping with fixed keys; empty when absent. */
    Section section(String key, List<String> validKeys) {
        return new Section(nodes, node(key), pathOf(key), lineOf(key), validKeys);
    }

    private String where() {
        return path.isEmpty() ? "top level: " : path + ": ";
    }

    private String unknownKey(String name, List<String> validKeys) {
        String in = path.isEmpty() ? "at the top level" : "in " + path;
        String suggestion = closest(name, validKeys);
        return "unknown key '" + name + "' " + in + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?")
                + "; valid keys: " + String.join(", ", validKeys);
    }

    /** The valid key within two edits of {@code name}, if there is one: catches typos like {@code bnd}. */
    private static String closest(String name, List<String> candidates) {
        String best = null;
        int bestDistance = 3;
        for (String c : candidates) {
            int d = distance(name.toLowerCase(Locale.ROOT), c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}

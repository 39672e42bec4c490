package io.predictor.admin.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scraped Prometheus text exposition (format 0.0.4), parsed for assertions: every sample by
 * its series, written {@code name{a="1",b="2"}} with the labels in name order.
 */
final class PrometheusText {

    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)(\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Map<String, Double> samples = new LinkedHashMap<>();
    private final Map<String, String> types = new LinkedHashMap<>();

    PrometheusText(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                types.put(p[2], p[3]);
                continue;
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.put(series(m.group(1), labels), Double.parseDouble(m.group(4)));
        }
    }

    /** {@code name{k="v",...}} with the labels sorted by name; {@code labels} alternate key, value. */
    static String series(String name, String... labels) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            m.put(labels[i], labels[i + 1]);
        }
        return series(name, m);
    }

    private static String series(String name, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name).append('{');
        labels.forEach((k, v) -> sb.append(k).append("=\"").append(v).append("\","));
        sb.setLength(sb.length() - 1);
        return sb.append('}').toString();
    }

    /** The value of one series, or null when it is not in the scrape. */
    Double value(String name, String... labels) {
        return samples.get(series(name, labels));
    }

    /** The sum over every series of {@code name} whose labels include {@code labels}. */
    double sum(String name, String... labels) {
        double sum = 0;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String s = e.getKey();
            if (!(s.equals(name) || s.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i + 1 < labels.length; i += 2) {
                all &= s.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (all) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Every series of {@code name}. */
    Map<String, Double> seriesOf(String name) {
        Map<String, Double> m = new TreeMap<>();
        samples.forEach((s, v) -> {
            if (s.equals(name) || s.startsWith(name + "{")) {
                m.put(s, v);
            }
        });
        return m;
    }

    /** Every metric name that has samples. */
    Set<String> names() {
        Set<String> names = new TreeSet<>();
        for (String s : samples.keySet()) {
            int brace = s.indexOf('{');
            names.add(brace < 0 ? s : s.substring(0, brace));
        }
        return names;
    }

    /** The {@code # TYPE} of a metric family, or null. */
    String type(String family) {
        return types.get(family);
    }

    Set<String> seriesNames() {
        return samples.keySet();
    }
}

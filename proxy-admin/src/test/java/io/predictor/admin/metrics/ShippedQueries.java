package io.predictor.admin.metrics;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/** The PromQL that config/ ships: the Grafana dashboard's queries and the alert rules' expressions. */
final class ShippedQueries {

    static final Path DASHBOARD = PrometheusTools.CONFIG.resolve("grafana-dashboard.json");
    static final Path ALERTS = PrometheusTools.CONFIG.resolve("prometheus-alerts.yml");

    /** Names of the metrics Predictor exposes: its own and the JVM, process and Netty binders'. */
    private static final Pattern METRIC =
            Pattern.compile("\\b((?:predictor|jvm|netty|process|system)_[a-zA-Z0-9_]+)\\b");

    static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ShippedQueries() {
    }

    static JsonNode dashboard() throws IOException {
        return STRICT_JSON.readTree(Files.readString(DASHBOARD));
    }

    /** Every {@code expr} of every panel target, and the template variables' queries. */
    static List<String> dashboardExpressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        collect(dashboard(), exprs);
        return exprs;
    }

    private static void collect(JsonNode node, List<String> exprs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    exprs.add(e.getValue().asText());
                } else if (e.getKey().equals("definition") && e.getValue().isTextual()) {
                    exprs.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), exprs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, exprs));
        }
    }

    /** The {@code expr} of every rule in the alert rules file. */
    @SuppressWarnings("unchecked")
    static List<String> alertExpressions() throws IOException {
        Map<String, Object> doc = new Yaml().load(Files.readString(ALERTS));
        List<String> exprs = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) doc.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                exprs.add((String) rule.get("expr"));
            }
        }
        return exprs;
    }

    /** The metric names an expression reads (Predictor's, JVM, process and Netty ones). */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** A dashboard query as Prometheus can run it: Grafana's variables replaced by values. */
    static String runnable(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$instance", ".*");
    }
}

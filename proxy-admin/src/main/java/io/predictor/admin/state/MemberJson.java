package io.predictor.admin.state;

import io.predictor.admin.json.FlatJsonParser;
import io.predictor.admin.json.Json;
import io.predictor.admin.json.JsonSyntaxException;
import io.predictor.core.server.InflightCount;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A member key's value: one flat JSON object, readable with {@code etcdctl get}:
 * {@code {"instance":"a","revision":42,"time":"…","pending":"41=0/2","closed":"40=3"}}. {@code pending}
 * lists {@code REVISION=LOCAL/LEGACY} in-flight counts, {@code closed} {@code REVISION=COUNT}, space-separated;
 * {@code "diverged":true} is there only when the member's applied state is not the fleet's log.
 */
final class MemberJson {

    private MemberJson() {
    }

    static String write(String instance, MemberReport r, Instant time, boolean diverged) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance", instance);
        m.put("revision", r.revision());
        m.put("time", time.toString());
        StringBuilder pending = new StringBuilder();
        r.pending().forEach((rev, c) -> pending.append(pending.length() == 0 ? "" : " ")
                .append(rev).append('=').append(c.local()).append('/').append(c.legacy()));
        m.put("pending", pending.toString());
        StringBuilder closed = new StringBuilder();
        r.closed().forEach((rev, n) -> closed.append(closed.length() == 0 ? "" : " ").append(rev).append('=').append(n));
        m.put("closed", closed.toString());
        if (diverged) {
            m.put("diverged", true);
        }
        return Json.write(m);
    }

    /** Reads a member value; a value this version cannot read is an {@link IllegalArgumentException}. */
    static Fleet.Member read(String text) {
        Map<String, Object> m;
        try {
            m = FlatJsonParser.parseObject(text);
        } catch (JsonSyntaxException e) {
            throw new IllegalArgumentException("member value is not JSON: " + e.getMessage(), e);
        }
        String instance = (String) m.get("instance");
        long revision = ((Number) m.get("revision")).longValue();
        Instant time = Instant.parse((String) m.get("time"));
        SortedMap<Long, InflightCount> pending = new TreeMap<>();
        for (String item : words((String) m.get("pending"))) {
            int eq = item.indexOf('=');
            int slash = item.indexOf('/');
            pending.put(Long.parseLong(item.substring(0, eq)), new InflightCount(
                    Integer.parseInt(item.substring(eq + 1, slash)), Integer.parseInt(item.substring(slash + 1))));
        }
        SortedMap<Long, Integer> closed = new TreeMap<>();
        for (String item : words((String) m.get("closed"))) {
            int eq = item.indexOf('=');
            closed.put(Long.parseLong(item.substring(0, eq)), Integer.parseInt(item.substring(eq + 1)));
        }
        return new Fleet.Member(instance, new MemberReport(revision, pending, closed), time, true,
                Boolean.TRUE.equals(m.get("diverged")));
    }

    /** A {@code registered/NAME} value: who, and since when. */
    static String writeRegistration(String instance, Instant time) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance", instance);
        m.put("time", time.toString());
        return Json.write(m);
    }

    /** When a {@code registered/NAME} value says the member registered; the epoch if it cannot be read. */
    static Instant registeredAt(String text) {
        try {
            return Instant.parse((String) FlatJsonParser.parseObject(text).get("time"));
        } catch (JsonSyntaxException | RuntimeException e) {
            return Instant.EPOCH; // still registered: what counts is that the key is there
        }
    }

    private static String[] words(String s) {
        return s == null || s.isBlank() ? new String[0] : s.trim().split(" +");
    }
}

package io.predictor.admin.state;

import io.predictor.core.routing.SiteState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a change is shown in history and in the audit log: {@code revision, time, who, what,
 * before, after, forced}. {@code before}/{@code after} are objects, or null where a site was
 * not in the table (before) or was deleted (after).
 */
public final class ChangeJson {

    private ChangeJson() {
    }

    /** The fields in display order (time as ISO-8601). */
    public static Map<String, Object> fields(ChangeRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("revision", r.revision());
        m.put("time", r.time().toString());
        m.put("who", r.who());
        m.put("what", r.change().what());
        Change c = r.change();
        if (c instanceof Change.Site s) {
            m.put("before", entry(s.before()));
            m.put("after", entry(s.after()));
        } else if (c instanceof Change.Group g) {
            m.put("before", counts(g.before()));
            Map<String, Object> after = new LinkedHashMap<>();
            after.put("state", g.state().wireName());
            after.put("sites", g.before().total());
            m.put("after", after);
        } else if (c instanceof Change.Reload rl) {
            m.put("before", Map.of("sites", rl.sitesBefore()));
            m.put("after", Map.of("sites", rl.sitesAfter()));
        }
        m.put("forced", r.forced());
        return m;
    }

    /** {@code {"legacy":N,"migrated":N,"maintenance":N,"hold":N}}. */
    public static Map<String, Object> counts(Change.StateCounts counts) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (SiteState s : SiteState.values()) {
            m.put(s.wireName(), counts.get(s));
        }
        return m;
    }

    private static Map<String, Object> entry(Change.Entry e) {
        if (e == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", e.state().wireName());
        m.put("group", e.group());
        return m;
    }
}

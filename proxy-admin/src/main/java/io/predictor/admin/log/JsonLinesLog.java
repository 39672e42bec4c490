package io.predictor.admin.log;

import io.predictor.admin.json.Json;
import io.predictor.admin.state.ChangeJson;
import io.predictor.admin.state.ChangeRecord;
import java.io.PrintStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes audit records and events as one JSON object per line (SPEC §2: logs on stdout), e.g.
 * {@code {"time":"…","log":"audit","revision":7,"who":"ops",…}}. Lines are written whole, so
 * concurrent writers never interleave.
 */
public final class JsonLinesLog implements AuditLog, EventLog {

    private final PrintStream out;
    private final Clock clock;

    public JsonLinesLog(PrintStream out, Clock clock) {
        this.out = Objects.requireNonNull(out);
        this.clock = Objects.requireNonNull(clock);
    }

    /** The program's log: standard output, wall-clock time. */
    public static JsonLinesLog stdout() {
        return new JsonLinesLog(System.out, Clock.systemUTC());
    }

    @Override
    public void record(ChangeRecord change) {
        println(Json.write(auditLine(change)));
    }

    @Override
    public void recordUnacknowledged(ChangeRecord change) {
        Map<String, Object> line = auditLine(change);
        line.put("acknowledged", false);
        line.put("detail", "its call was answered 503 state_store_unavailable (the store did not answer in time),"
                + " but the store committed it: it is in force");
        println(Json.write(line));
    }

    private static Map<String, Object> auditLine(ChangeRecord change) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", change.time().toString()); // first, as on every line; the change's fields keep it there
        line.put("log", "audit");
        line.putAll(ChangeJson.fields(change));
        return line;
    }

    @Override
    public void event(Level level, String event, Map<String, ?> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        // milliseconds, as the access and audit lines and the README say (the JDK's clock has nanoseconds)
        line.put("time", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
        line.put("log", "event");
        line.put("level", level.name().toLowerCase(Locale.ROOT));
        line.put("event", event);
        line.putAll(fields);
        println(Json.write(line));
    }

    private void println(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}

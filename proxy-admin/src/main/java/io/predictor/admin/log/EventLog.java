package io.predictor.admin.log;

import java.io.PrintStream;
import java.time.Instant;

/**
 * Events of the program (start, reload, drain, errors) as one JSON object per line on stdout,
 * beside the access log (SPEC §2). Fields come as name/value pairs; values are written as
 * strings unless they are numbers or booleans. Never pass a secret.
 */
public final class EventLog {

    private static volatile PrintStream out = System.out;

    private EventLog() {
    }

    /** Redirects the log (tests). */
    public static void redirect(PrintStream stream) {
        out = stream;
    }

    public static void info(String event, Object... fields) {
        write("info", event, fields);
    }

    public static void warn(String event, Object... fields) {
        write("warn", event, fields);
    }

    public static void error(String event, Object... fields) {
        write("error", event, fields);
    }

    private static void write(String level, String event, Object[] fields) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\"time\":\"").append(Instant.now()).append("\",\"type\":\"event\",\"level\":\"")
                .append(level).append("\"");
        Json.field(sb, "event", event);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            Object v = fields[i + 1];
            if (v instanceof Number || v instanceof Boolean) {
                sb.append(",\"").append(fields[i]).append("\":").append(v);
            } else {
                Json.field(sb, String.valueOf(fields[i]), v == null ? null : String.valueOf(v));
            }
        }
        sb.append('}');
        PrintStream o = out;
        synchronized (o) {
            o.println(sb);
        }
    }
}

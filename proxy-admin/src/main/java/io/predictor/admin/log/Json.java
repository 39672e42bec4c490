package io.predictor.admin.log;

/** The few JSON-writing helpers log lines need: quoted, escaped string fields. */
public final class Json {

    private Json() {
    }

    /** Appends {@code ,"name":"value"} (or {@code null}) to a JSON object being built. */
    public static void field(StringBuilder sb, String name, String value) {
        sb.append(",\"").append(name).append("\":");
        quote(sb, value);
    }

    /** Appends a JSON string literal (or {@code null}). */
    public static void quote(StringBuilder sb, String value) {
        if (value == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}

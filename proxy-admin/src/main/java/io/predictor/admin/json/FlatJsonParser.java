package io.predictor.admin.json;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the only JSON the admin API accepts: one flat object whose values are strings,
 * booleans, integers or null. Strict (RFC 8259 syntax, no duplicate names, nothing after the
 * object), so a typo is an error with its position rather than a silently ignored field.
 */
public final class FlatJsonParser {

    private static final int MAX_NAME_SHOWN = 32;

    private final String text;
    private int pos;

    private FlatJsonParser(String text) {
        this.text = text;
    }

    /** The object's members in document order; values are String, Boolean, Long or null. */
    public static Map<String, Object> parseObject(String text) throws JsonSyntaxException {
        FlatJsonParser p = new FlatJsonParser(text);
        Map<String, Object> result = p.object();
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw p.error("unexpected content after the object");
        }
        return Collections.unmodifiableMap(result);
    }

    private Map<String, Object> object() throws JsonSyntaxException {
        skipWhitespace();
        expect('{');
        Map<String, Object> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return members;
        }
        while (true) {
            skipWhitespace();
            int at = pos;
            String name = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = value(name);
            if (members.containsKey(name)) {
                pos = at;
                throw error("duplicate member \"" + shorten(name) + "\"");
            }
            members.put(name, value);
            skipWhitespace();
            char c = next();
            if (c == '}') {
                return members;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private Object value(String name) throws JsonSyntaxException {
        char c = peek();
        switch (c) {
            case '"':
                return string();
            case 't':
                literal("true");
                return Boolean.TRUE;
            case 'f':
                literal("false");
                return Boolean.FALSE;
            case 'n':
                literal("null");
                return null;
            case '{':
            case '[':
                throw error("\"" + shorten(name) + "\" must be a string, boolean or number, not a nested value");
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return integer();
                }
                throw error("expected a value");
        }
    }

    private Long integer() throws JsonSyntaxException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else {
            if (peek() < '1' || peek() > '9') {
                throw error("expected a digit");
            }
            while (peek() >= '0' && peek() <= '9') {
                pos++;
            }
        }
        if (peek() == '.' || peek() == 'e' || peek() == 'E') {
            throw error("only integers are accepted");
        }
        try {
            return Long.parseLong(text.substring(start, pos));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("integer out of range");
        }
    }

    private String string() throws JsonSyntaxException {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("truncated \\u escape");
                    }
                    // exactly four ASCII hex digits (RFC 8259 §7): Integer.parseInt takes a sign
                    // and other scripts' digits, so "\\u+06C" was an 'l' (found by review)
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(text.charAt(pos + i), 16);
                        if (d < 0 || text.charAt(pos + i) > 'f') {
                            throw error("invalid \\u escape: four hex digits expected");
                        }
                        code = code * 16 + d;
                    }
                    sb.append((char) code);
                    pos += 4;
                }
                default -> {
                    pos--;
                    throw error("invalid escape");
                }
            }
        }
    }

    private void literal(String word) throws JsonSyntaxException {
        if (!text.startsWith(word, pos)) {
            throw error("expected a value");
        }
        pos += word.length();
    }

    private void expect(char c) throws JsonSyntaxException {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private char next() throws JsonSyntaxException {
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        return text.charAt(pos++);
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private JsonSyntaxException error(String message) {
        return new JsonSyntaxException(message + " at offset " + pos);
    }

    private static String shorten(String s) {
        return s.length() <= MAX_NAME_SHOWN ? s : s.substring(0, MAX_NAME_SHOWN) + "…";
    }
}

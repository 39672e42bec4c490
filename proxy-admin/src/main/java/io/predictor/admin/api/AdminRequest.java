package io.predictor.admin.api;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One admin request, copied off the wire so that it can be handled away from the event loop.
 *
 * @param path      the decoded path, without the query
 * @param query     decoded query parameters
 * @param headers   header values by lower-case name (the first value when repeated)
 * @param body      the body as UTF-8 text ("" when none)
 * @param localPort the port the admin listener accepted the connection on
 */
record AdminRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
        String body, int localPort) {

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The single value of a query parameter, or null; repeated values are a bad request. */
    String param(String name) throws ApiException {
        List<String> v = query.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 1) {
            throw ApiException.badRequest("query parameter '" + name + "' given more than once");
        }
        return v.get(0);
    }

    /**
     * The revision of {@code If-Match} ({@code "12"} or {@code 12}), or null when absent or
     * {@code *}. Weak tags and lists are refused: a revision is one exact number.
     */
    Long ifMatchRevision() throws ApiException {
        String v = header("if-match");
        if (v == null || v.trim().equals("*")) {
            return null;
        }
        String t = v.trim();
        if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
            t = t.substring(1, t.length() - 1);
        }
        try {
            long rev = Long.parseLong(t);
            if (rev >= 0) {
                return rev;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw ApiException.badRequest("If-Match must be one table revision, e.g. If-Match: \"42\"");
    }

    /** Refuses any query parameter not in {@code allowed} (a typo must not pass silently). */
    void allowParams(String... allowed) throws ApiException {
        for (String name : query.keySet()) {
            if (!List.of(allowed).contains(name)) {
                if (name.equals("wait") || name.equals("timeout") || name.equals("close")) {
                    throw new ApiException(501, "not_implemented",
                            "the drain barrier (?wait=drained) is not available in this version");
                }
                throw ApiException.badRequest("unknown query parameter '" + name + "'"
                        + (allowed.length == 0 ? "" : "; expected one of " + String.join(", ", allowed)));
            }
        }
    }
}

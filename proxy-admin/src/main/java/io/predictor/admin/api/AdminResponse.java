package io.predictor.admin.api;

import io.predictor.admin.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An admin answer before it meets the wire: status, a JSON body (or the bytes of a console
 * file) and extra headers.
 *
 * @param body a value {@link Json} can write, or a {@link Text} or {@link Bytes} sent as it is
 */
record AdminResponse(int status, Object body, Map<String, String> headers) {

    /** A body that is not JSON ({@code /metrics}): sent as it is, with its own content type. */
    record Text(String text, String contentType) {
    }

    /** A body that is not JSON: a console file. */
    record Bytes(byte[] content, String contentType) {
        static final Bytes EMPTY = new Bytes(new byte[0], null);
    }

    static AdminResponse ok(Object body) {
        return new AdminResponse(200, body, Map.of());
    }

    /** A 200 with a text body of {@code contentType}. */
    static AdminResponse text(String text, String contentType) {
        return new AdminResponse(200, new Text(text, contentType), Map.of());
    }

    /** The same answer with an {@code ETag} of the table revision it reflects (for {@code If-Match}). */
    AdminResponse withRevisionTag(long revision) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put("ETag", "\"" + revision + "\"");
        return new AdminResponse(status, body, h);
    }

    String json() {
        return Json.write(body);
    }
}

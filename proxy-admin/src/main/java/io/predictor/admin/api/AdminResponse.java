package io.predictor.admin.api;

import io.predictor.admin.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An admin answer before it meets the wire: status, a JSON body and extra headers.
 *
 * @param body a value {@link Json} can write
 */
record AdminResponse(int status, Object body, Map<String, String> headers) {

    static AdminResponse ok(Object body) {
        return new AdminResponse(200, body, Map.of());
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

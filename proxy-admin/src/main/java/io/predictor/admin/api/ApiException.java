package io.predictor.admin.api;

import java.util.Map;

/** An answer other than success, as the JSON error {@code {"error":…,"detail":…}} (plus any extra fields). */
final class ApiException extends Exception {

    private final int status;
    private final String error;
    private final Object detail;
    private final Map<String, ?> extra;
    private final Map<String, String> headers;

    ApiException(int status, String error, Object detail) {
        this(status, error, detail, Map.of(), Map.of());
    }

    ApiException(int status, String error, Object detail, Map<String, ?> extra, Map<String, String> headers) {
        super(error + ": " + detail, null, false, false);
        this.status = status;
        this.error = error;
        this.detail = detail;
        this.extra = extra;
        this.headers = headers;
    }

    static ApiException badRequest(String detail) {
        return new ApiException(400, "bad_request", detail);
    }

    AdminResponse toResponse() {
        java.util.LinkedHashMap<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("error", error);
        body.put("detail", detail);
        body.putAll(extra);
        return new AdminResponse(status, body, headers);
    }
}

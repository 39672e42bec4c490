package io.predictor.core.http;

/**
 * Every way a request can fail, mapped once to the status the client gets and to the
 * {@code kind} tag of {@code predictor_upstream_errors_total} (DESIGN.md "Failures are typed").
 */
public enum Failure {
    BAD_REQUEST(400, "bad_request", false),
    /** The Host of a TLS request names a site the connection's certificate does not cover (RFC 9110 §15.5.20). */
    MISDIRECTED(421, "misdirected", false),
    URI_TOO_LONG(414, "uri_too_long", false),
    HEADERS_TOO_LARGE(431, "headers_too_large", false),
    NOT_IMPLEMENTED(501, "not_implemented", false),
    VERSION_NOT_SUPPORTED(505, "version", false),
    REQUEST_HEADERS_TIMEOUT(408, "request_timeout", false),
    CONNECT_REFUSED(502, "connect_refused", true),
    CONNECT_TIMEOUT(502, "connect_timeout", true),
    RESET(502, "reset", true),
    BAD_RESPONSE(502, "bad_response", true),
    /**
     * The origin's response head is larger than an HTTP/2 client's SETTINGS_MAX_HEADER_LIST_SIZE
     * (RFC 9113 §6.5.2): the client would refuse it, so it gets a 502 instead.
     */
    RESPONSE_HEADERS_TOO_LARGE(502, "response_headers_too_large", true),
    RESPONSE_TIMEOUT(504, "timeout", true),
    NO_SERVER(503, "no_server", true),
    LOOP(508, "loop", false);

    private final int status;
    private final String kind;
    private final boolean upstream;

    Failure(int status, String kind, boolean upstream) {
        this.status = status;
        this.kind = kind;
        this.upstream = upstream;
    }

    public int status() {
        return status;
    }

    /** The metric tag value. */
    public String kind() {
        return kind;
    }

    /** Whether the origin side caused it (counted in {@code predictor_upstream_errors_total}). */
    public boolean isUpstream() {
        return upstream;
    }

    /** The failure for a status the head parser refused with. */
    public static Failure ofParserStatus(int status) {
        switch (status) {
            case 414: return URI_TOO_LONG;
            case 431: return HEADERS_TOO_LARGE;
            case 505: return VERSION_NOT_SUPPORTED;
            default: return BAD_REQUEST;
        }
    }
}

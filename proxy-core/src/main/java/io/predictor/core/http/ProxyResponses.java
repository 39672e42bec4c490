package io.predictor.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The responses the proxy makes itself (SPEC §6): each a small HTML page, built once at start
 * in a read-only direct buffer and written as a duplicate, so answering costs no encoding.
 */
public final class ProxyResponses {

    /** Seconds a client is told to wait before retrying a site in maintenance. */
    public static final int MAINTENANCE_RETRY_AFTER_SECONDS = 120;

    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(true, true);

    private final ByteBuf[] keepAlive = new ByteBuf[600];
    private final ByteBuf[] close = new ByteBuf[600];
    private final ByteBuf[] maintenance = new ByteBuf[2];
    private final ByteBuf[] bodies = new ByteBuf[600];
    private ByteBuf maintenanceBody;

    public ProxyResponses() {
        for (Failure f : Failure.values()) {
            define(f.status(), reason(f.status()), "<h1>" + f.status() + " " + reason(f.status()) + "</h1>", null);
            bodies[f.status()] = pageBody(f.status(), reason(f.status()), "<h1>" + f.status() + " " + reason(f.status()) + "</h1>");
        }
        maintenanceBody = pageBody(503, "Service Unavailable", MAINTENANCE_CONTENT);
        maintenance[0] = build(503, "Service Unavailable",
                MAINTENANCE_CONTENT,
                "Retry-After: " + MAINTENANCE_RETRY_AFTER_SECONDS + "\r\n", false);
        maintenance[1] = build(503, "Service Unavailable",
                MAINTENANCE_CONTENT,
                "Retry-After: " + MAINTENANCE_RETRY_AFTER_SECONDS + "\r\n", true);
    }

    private void define(int status, String reason, String content, String extraHeader) {
        keepAlive[status] = build(status, reason, content, extraHeader, false);
        close[status] = build(status, reason, content, extraHeader, true);
    }

    private static final String MAINTENANCE_CONTENT =
            "<h1>Down for maintenance</h1><p>This site is being moved and will be back in a few minutes.</p>";

    private static byte[] html(int status, String reason, String content) {
        String body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + status + " " + reason
                + "</title></head><body>" + content + "</body></html>\n";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuf pageBody(int status, String reason, String content) {
        byte[] b = html(status, reason, content);
        return Unpooled.unreleasableBuffer(UNTRACKED.directBuffer(b.length).writeBytes(b).asReadOnly());
    }

    private static ByteBuf build(int status, String reason, String content, String extraHeader, boolean closing) {
        byte[] bodyBytes = html(status, reason, content);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: text/html; charset=utf-8\r\n"
                + "Content-Length: " + bodyBytes.length + "\r\n"
                + "Cache-Control: no-store\r\n"
                + (extraHeader == null ? "" : extraHeader)
                + (closing ? "Connection: close\r\n" : "")
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        // lives as long as the process: allocated outside the leak detector's view
        return Unpooled.unreleasableBuffer(UNTRACKED.directBuffer(headBytes.length + bodyBytes.length)
                .writeBytes(headBytes).writeBytes(bodyBytes).asReadOnly());
    }

    /** The response for a status; {@code closing} adds {@code Connection: close}. */
    public ByteBuf response(int status, boolean closing) {
        ByteBuf b = (closing ? close : keepAlive)[status];
        if (b == null) {
            throw new IllegalArgumentException("no canned response for " + status);
        }
        return b.duplicate();
    }

    /** The maintenance page (503 with Retry-After). */
    public ByteBuf maintenance(boolean closing) {
        return maintenance[closing ? 1 : 0].duplicate();
    }

    /** The HTML page alone of a status's response (HTTP/2 sends its head as a HEADERS frame). */
    public ByteBuf body(int status) {
        ByteBuf b = bodies[status];
        if (b == null) {
            throw new IllegalArgumentException("no canned response for " + status);
        }
        return b.duplicate();
    }

    /** The maintenance page alone (HTTP/2). */
    public ByteBuf maintenanceBody() {
        return maintenanceBody.duplicate();
    }

    public static String reason(int status) {
        switch (status) {
            case 400: return "Bad Request";
            case 421: return "Misdirected Request";
            case 408: return "Request Timeout";
            case 414: return "URI Too Long";
            case 431: return "Request Header Fields Too Large";
            case 501: return "Not Implemented";
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Gateway Timeout";
            case 505: return "HTTP Version Not Supported";
            case 508: return "Loop Detected";
            default: return "Error";
        }
    }
}

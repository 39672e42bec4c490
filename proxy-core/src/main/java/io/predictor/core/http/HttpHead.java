package io.predictor.core.http;

/**
 * One parsed HTTP/1.x message head, reused for every message of a connection: the head's bytes
 * copied once into {@link #bytes} and offsets into them, plus the framing facts the proxy acts
 * on. Nothing here is allocated per message.
 */
public final class HttpHead {

    /** Content-Length absent. */
    public static final long NO_LENGTH = -1;

    /**
     * The head's bytes, sized to the heads seen: {@link #INITIAL_BYTES} at first, doubled when a
     * longer head comes ({@link #ensureCapacity}), at most {@code maxHeadSize} plus
     * {@link #SLACK}. Most request heads are under 2 KiB, so an exchange in flight (or parked in
     * {@code hold}) holds ~4.5 KB instead of {@code limits.max_header_size} plus the field arrays.
     */
    byte[] bytes;
    int length;
    private final int maxBytes;

    /** Index just past the start line's CRLF, where the header fields begin. */
    int startLineEnd;
    // request line
    int methodEnd;
    int targetStart;
    int targetEnd;
    // response line
    int status;
    /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
    int version;

    int headerCount;
    final int[] nameStart;
    final int[] nameEnd;
    final int[] valueStart;
    final int[] valueEnd;
    /** Index just past the header line's CRLF. */
    final int[] lineEnd;
    final byte[] kind;
    /** Headers not to forward (hop-by-hop, named by Connection, or replaced by the proxy). */
    final boolean[] dropped;

    long contentLength;
    boolean chunked;
    /** A Transfer-Encoding other than exactly chunked-last (responses only: body then ends at close). */
    boolean otherTransferCoding;
    /** Transfer-Encoding names a coding other than chunked (gzip, deflate…), wherever it stands. */
    boolean transferCoding;
    boolean connectionClose;
    boolean connectionKeepAlive;
    boolean connectionUpgrade;
    boolean upgradeWebSocket;
    boolean expectContinue;
    /** Index of the Host header, or -1. */
    int hostHeader;

    static final int INITIAL_BYTES = 2048;
    /** Room past the head's end, so that a parse that looks a few bytes ahead stays in the array. */
    static final int SLACK = 16;

    HttpHead(int maxHeadSize, int maxHeaders) {
        this.maxBytes = maxHeadSize + SLACK;
        this.bytes = new byte[Math.min(INITIAL_BYTES, maxBytes)];
        this.nameStart = new int[maxHeaders];
        this.nameEnd = new int[maxHeaders];
        this.valueStart = new int[maxHeaders];
        this.valueEnd = new int[maxHeaders];
        this.lineEnd = new int[maxHeaders];
        this.kind = new byte[maxHeaders];
        this.dropped = new boolean[maxHeaders];
    }

    /** Makes room for a head of {@code len} bytes (at most the parser's {@code maxHeadSize}). */
    void ensureCapacity(int len) {
        int want = len + SLACK;
        if (bytes.length < want) {
            int grown = Math.max(bytes.length * 2, Integer.highestOneBit(want - 1) << 1);
            bytes = new byte[Math.min(grown, Math.max(want, maxBytes))];
        }
    }

    void reset() {
        length = 0;
        startLineEnd = 0;
        methodEnd = 0;
        targetStart = 0;
        targetEnd = 0;
        status = 0;
        version = 0;
        headerCount = 0;
        contentLength = NO_LENGTH;
        chunked = false;
        otherTransferCoding = false;
        transferCoding = false;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionUpgrade = false;
        upgradeWebSocket = false;
        expectContinue = false;
        hostHeader = -1;
    }

    public int length() {
        return length;
    }

    public int status() {
        return status;
    }

    public boolean isHttp11() {
        return version == 11;
    }

    /** Whether the message said {@code Connection: close}. */
    public boolean connectionClose() {
        return connectionClose;
    }

    /** A WebSocket upgrade request: {@code Connection: upgrade} and {@code Upgrade: websocket} on an HTTP/1.1 GET. */
    public boolean isWebSocketUpgrade() {
        return upgradeWebSocket && connectionUpgrade && version == 11 && methodEnd == 3
                && bytes[0] == 'G' && bytes[1] == 'E' && bytes[2] == 'T';
    }

    public boolean expectContinue() {
        return expectContinue;
    }

    /** Start (inclusive) of the Host header's value, or -1 without one. */
    public int hostValueStart() {
        return hostHeader < 0 ? -1 : valueStart[hostHeader];
    }

    public int hostValueEnd() {
        return hostHeader < 0 ? -1 : valueEnd[hostHeader];
    }

    /** Start of the request target. */
    public int targetStart() {
        return targetStart;
    }

    public int targetEnd() {
        return targetEnd;
    }

    /** The head's bytes (valid up to {@link #length()}); read-only by contract. */
    public byte[] bytes() {
        return bytes;
    }

    public long contentLength() {
        return contentLength;
    }

    public boolean chunked() {
        return chunked;
    }

    /**
     * Whether Transfer-Encoding names a coding other than chunked: the body is that coding of
     * the content, which only an HTTP/1.1 recipient can undo (HTTP/2 has no Transfer-Encoding).
     */
    public boolean hasTransferCoding() {
        return transferCoding;
    }

    /** Whether the method is exactly {@code name} (upper-case ASCII). */
    public boolean methodIs(byte[] name) {
        if (methodEnd != name.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (bytes[i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the method is idempotent (RFC 9110 §9.2.2): GET, HEAD, OPTIONS, TRACE, PUT, DELETE. */
    public boolean isIdempotent() {
        switch (methodEnd) {
            case 3:
                return (bytes[0] == 'G' && bytes[1] == 'E' && bytes[2] == 'T')
                        || (bytes[0] == 'P' && bytes[1] == 'U' && bytes[2] == 'T');
            case 4:
                return bytes[0] == 'H' && bytes[1] == 'E' && bytes[2] == 'A' && bytes[3] == 'D';
            case 5:
                return bytes[0] == 'T' && bytes[1] == 'R' && bytes[2] == 'A' && bytes[3] == 'C' && bytes[4] == 'E';
            case 6:
                return bytes[0] == 'D' && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'E' && bytes[4] == 'T'
                        && bytes[5] == 'E';
            case 7:
                return bytes[0] == 'O' && bytes[1] == 'P' && bytes[2] == 'T' && bytes[3] == 'I' && bytes[4] == 'O'
                        && bytes[5] == 'N' && bytes[6] == 'S';
            default:
                return false;
        }
    }

    /** Whether the client wants the connection kept after this message (RFC 9112 §9.3). */
    public boolean keepAlive() {
        return version == 11 ? !connectionClose : connectionKeepAlive && !connectionClose;
    }

    /** The end of the method in {@link #bytes()} (it starts at 0). */
    public int methodEnd() {
        return methodEnd;
    }

    public String method() {
        return new String(bytes, 0, methodEnd, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The Host header's value, or null (allocates; logs). */
    public String host() {
        return hostHeader < 0 ? null : headerValue(hostHeader);
    }

    public String target() {
        return new String(bytes, targetStart, targetEnd - targetStart, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The value of the header at index {@code i} (allocates; logs and tests). */
    public String headerValue(int i) {
        return new String(bytes, valueStart[i], valueEnd[i] - valueStart[i], java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The first value of a header by lower-case name, or null (allocates; tests and logs). */
    public String header(String lowerName) {
        byte[] n = HeaderName.ascii(lowerName);
        for (int i = 0; i < headerCount; i++) {
            if (nameEnd[i] - nameStart[i] == n.length && Ascii.equalsIgnoreCase(bytes, nameStart[i], n)) {
                return headerValue(i);
            }
        }
        return null;
    }
}

package io.predictor.core.http;

import io.netty.buffer.ByteBuf;

/**
 * A strict HTTP/1.x head parser (RFC 9112 §2–§7) that works on the bytes as they arrive and
 * never decodes into objects: it finds the end of the head in the buffer, copies the head once
 * into {@link HttpHead#bytes}, and records offsets and framing facts.
 *
 * <p>What it refuses, with the status the client gets: a request line over the limit (414); a
 * head over {@code max_header_size} or with more than {@code max_headers} fields (431); bare CR
 * or LF, obs-fold, whitespace before a colon, a control byte in a name, value or target, a bad
 * or conflicting Content-Length, Transfer-Encoding with Content-Length or without chunked last,
 * a missing or repeated Host in HTTP/1.1 (400); a version other than 1.0 and 1.1 (505). Netty's
 * own decoder accepts several of these, which is why this parser exists (DESIGN.md).
 *
 * <p>Each call returns {@link #NEED_MORE}, the head's length (the caller skips that many bytes),
 * or a negative HTTP status for a head that must be refused. Not thread-safe: one per connection.
 */
public final class HeadParser {

    public static final int NEED_MORE = 0;

    private static final byte[] CHUNKED = HeaderName.ascii("chunked");
    private static final byte[] CLOSE = HeaderName.ascii("close");
    private static final byte[] KEEP_ALIVE = HeaderName.ascii("keep-alive");
    private static final byte[] UPGRADE = HeaderName.ascii("upgrade");
    private static final byte[] WEBSOCKET = HeaderName.ascii("websocket");
    private static final byte[] CONTINUE = HeaderName.ascii("100-continue");
    private static final int MAX_CONNECTION_TOKENS = 16;

    private final int maxHeadSize;
    private final int maxHeaders;
    private final int maxRequestLine;
    /** Bytes already scanned for the end of the current head (relative to the reader index). */
    private int scanned;
    private boolean sawFirstLine;
    /** The end of the list element {@link #nextToken} found last. */
    private int tokenEnd;
    private final int[] connTokenStart = new int[MAX_CONNECTION_TOKENS];
    private final int[] connTokenEnd = new int[MAX_CONNECTION_TOKENS];
    private String error;

    public HeadParser(int maxHeadSize, int maxHeaders, int maxRequestLine) {
        this.maxHeadSize = maxHeadSize;
        this.maxHeaders = maxHeaders;
        this.maxRequestLine = maxRequestLine;
    }

    public HttpHead newHead() {
        return new HttpHead(maxHeadSize, maxHeaders);
    }

    /** Why the last head was refused (for the event log). */
    public String error() {
        return error;
    }

    /** Forgets the scan position: call after the buffer's unread bytes were replaced. */
    public void reset() {
        scanned = 0;
        sawFirstLine = false;
    }

    public int parseRequest(ByteBuf buf, HttpHead head) {
        if (!sawFirstLine) {
            // RFC 9112 §2.2: ignore empty lines before the request line, also when a CRLF was
            // split across reads (the scan position then moves back with the bytes skipped)
            int skipped = 0;
            while (buf.readableBytes() >= 2 && buf.getByte(buf.readerIndex()) == '\r'
                    && buf.getByte(buf.readerIndex() + 1) == '\n') {
                buf.skipBytes(2);
                skipped += 2;
            }
            scanned = Math.max(0, scanned - skipped);
        }
        int len = findEnd(buf, true);
        if (len <= 0) {
            return len;
        }
        head.reset();
        head.ensureCapacity(len);
        buf.getBytes(buf.readerIndex(), head.bytes, 0, len);
        head.length = len;
        pendingConnectionTokens = 0;
        int status = parseRequestLine(head);
        if (status == 0) {
            status = parseFields(head, true);
        }
        if (status == 0) {
            status = checkRequestFraming(head);
        }
        return status == 0 ? len : -status;
    }

    public int parseResponse(ByteBuf buf, HttpHead head) {
        int len = findEnd(buf, false);
        if (len <= 0) {
            return len == NEED_MORE ? NEED_MORE : -502;
        }
        head.reset();
        head.ensureCapacity(len);
        buf.getBytes(buf.readerIndex(), head.bytes, 0, len);
        head.length = len;
        pendingConnectionTokens = 0;
        int status = parseStatusLine(head);
        if (status == 0) {
            status = parseFields(head, false);
        }
        if (status == 0) {
            checkResponseFraming(head);
        }
        return status == 0 ? len : -502;
    }

    /** Finds CRLF CRLF; returns the head length, NEED_MORE, or -414/-431. */
    private int findEnd(ByteBuf buf, boolean request) {
        int start = buf.readerIndex();
        int readable = buf.readableBytes();
        int from = Math.max(0, scanned - 3);
        int limit = Math.min(readable, maxHeadSize);
        while (from < limit) {
            int lf = buf.indexOf(start + from, start + limit, (byte) '\n');
            if (lf < 0) {
                break;
            }
            int rel = lf - start;
            if (!sawFirstLine) {
                sawFirstLine = true;
                if (request && rel + 1 > maxRequestLine) {
                    return fail(414, "request line longer than " + maxRequestLine + " bytes");
                }
            }
            if (rel >= 3 && buf.getByte(lf - 1) == '\r' && buf.getByte(lf - 2) == '\n' && buf.getByte(lf - 3) == '\r') {
                scanned = 0;
                sawFirstLine = false;
                return rel + 1;
            }
            from = rel + 1;
        }
        scanned = limit;
        if (request && !sawFirstLine && readable > maxRequestLine) {
            return fail(414, "request line longer than " + maxRequestLine + " bytes");
        }
        if (readable >= maxHeadSize) {
            return fail(431, "head larger than " + maxHeadSize + " bytes");
        }
        return NEED_MORE;
    }

    private int fail(int status, String why) {
        scanned = 0;
        sawFirstLine = false;
        error = why;
        return -status;
    }

    private int parseRequestLine(HttpHead h) {
        byte[] b = h.bytes;
        int i = 0;
        while (Ascii.isToken(b[i])) {
            i++;
        }
        if (i == 0 || b[i] != ' ') {
            return bad("malformed method");
        }
        h.methodEnd = i;
        h.targetStart = ++i;
        while (b[i] != ' ') {
            int c = b[i] & 0xff;
            if (c <= 0x20 || c >= 0x7f) {
                return bad("invalid byte 0x" + Integer.toHexString(c) + " in request target");
            }
            i++;
        }
        h.targetEnd = i;
        if (h.targetEnd == h.targetStart) {
            return bad("empty request target");
        }
        i++;
        int v = parseVersion(b, i);
        if (v < 0) {
            return -v;
        }
        h.version = v;
        i += 8;
        if (b[i] != '\r' || b[i + 1] != '\n') {
            return bad("request line does not end in CRLF after the version");
        }
        return firstFieldAt(h, i + 2);
    }

    private int parseStatusLine(HttpHead h) {
        byte[] b = h.bytes;
        int v = parseVersion(b, 0);
        if (v < 0) {
            return bad("malformed response version");
        }
        h.version = v;
        int i = 8;
        if (b[i] != ' ' || !isDigit(b[i + 1]) || !isDigit(b[i + 2]) || !isDigit(b[i + 3])) {
            return bad("malformed response status");
        }
        h.status = (b[i + 1] - '0') * 100 + (b[i + 2] - '0') * 10 + (b[i + 3] - '0');
        i += 4;
        if (b[i] == ' ') {
            i++;
            while (b[i] != '\r') {
                if (!Ascii.isFieldValueByte(b[i])) {
                    return bad("invalid byte in reason phrase");
                }
                i++;
            }
        }
        if (b[i] != '\r' || b[i + 1] != '\n') {
            return bad("status line does not end in CRLF");
        }
        return firstFieldAt(h, i + 2);
    }

    /** Where the header fields of the head being parsed begin (just past the start line). */
    private int fieldsStart;

    private int firstFieldAt(HttpHead h, int i) {
        fieldsStart = i;
        h.startLineEnd = i;
        return 0;
    }

    /** Returns 10, 11, -505 (another HTTP version) or -400. */
    private int parseVersion(byte[] b, int i) {
        if (b[i] != 'H' || b[i + 1] != 'T' || b[i + 2] != 'T' || b[i + 3] != 'P' || b[i + 4] != '/'
                || !isDigit(b[i + 5]) || b[i + 6] != '.' || !isDigit(b[i + 7])) {
            error = "malformed HTTP version";
            return -400;
        }
        if (b[i + 5] == '1' && b[i + 7] == '1') {
            return 11;
        }
        if (b[i + 5] == '1' && b[i + 7] == '0') {
            return 10;
        }
        error = "unsupported HTTP version";
        return -505;
    }

    private int parseFields(HttpHead h, boolean request) {
        byte[] b = h.bytes;
        int i = fieldsStart;
        int end = h.length;
        while (true) {
            if (b[i] == '\r') {
                if (b[i + 1] != '\n' || i + 2 != end) {
                    return bad("bare CR in head");
                }
                return 0;
            }
            if (b[i] == ' ' || b[i] == '\t') {
                return bad("obsolete line folding");
            }
            int n = h.headerCount;
            if (n == maxHeaders) {
                error = "more than " + maxHeaders + " header fields";
                return 431;
            }
            int nameStart = i;
            while (Ascii.isToken(b[i])) {
                i++;
            }
            if (i == nameStart) {
                return bad("empty or invalid header name");
            }
            if (b[i] != ':') {
                return bad(b[i] == ' ' || b[i] == '\t' ? "whitespace before colon" : "invalid byte in header name");
            }
            int nameEnd = i++;
            while (b[i] == ' ' || b[i] == '\t') {
                i++;
            }
            int valueStart = i;
            // one table lookup a byte (values are most of a head's bytes); the head ends in
            // CRLF CRLF, so the scan stops inside the array
            while (Ascii.isFieldValueByte(b[i])) {
                i++;
            }
            if (b[i] != '\r') {
                return bad("invalid byte 0x" + Integer.toHexString(b[i] & 0xff) + " in header value");
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            if (b[i + 1] != '\n') {
                return bad("bare CR in header");
            }
            i += 2;
            h.nameStart[n] = nameStart;
            h.nameEnd[n] = nameEnd;
            h.valueStart[n] = valueStart;
            h.valueEnd[n] = valueEnd;
            h.lineEnd[n] = i;
            h.dropped[n] = false;
            byte kind = HeaderName.classify(b, nameStart, nameEnd);
            h.kind[n] = kind;
            h.headerCount = n + 1;
            int status = interpret(h, n, kind, request);
            if (status != 0) {
                return status;
            }
        }
    }

    private int interpret(HttpHead h, int n, byte kind, boolean request) {
        byte[] b = h.bytes;
        int vs = h.valueStart[n];
        int ve = h.valueEnd[n];
        switch (kind) {
            case HeaderName.HOST:
                if (h.hostHeader >= 0) {
                    return bad("more than one Host header");
                }
                h.hostHeader = n;
                return 0;
            case HeaderName.CONTENT_LENGTH: {
                long value = parseContentLength(b, vs, ve);
                if (value < 0 || (h.contentLength != HttpHead.NO_LENGTH && h.contentLength != value)) {
                    return bad("invalid or conflicting Content-Length");
                }
                h.contentLength = value;
                return 0;
            }
            case HeaderName.TRANSFER_ENCODING:
                return parseTransferEncoding(h, vs, ve, request);
            case HeaderName.CONNECTION:
                h.dropped[n] = true;
                return parseConnection(h, vs, ve);
            case HeaderName.KEEP_ALIVE:
            case HeaderName.PROXY_CONNECTION:
            case HeaderName.TE:
            case HeaderName.UPGRADE:
                h.dropped[n] = true;
                if (kind == HeaderName.UPGRADE && containsToken(b, vs, ve, WEBSOCKET)) {
                    h.upgradeWebSocket = true;
                }
                return 0;
            case HeaderName.EXPECT:
                if (ve - vs == CONTINUE.length && Ascii.equalsIgnoreCase(b, vs, CONTINUE)) {
                    h.expectContinue = true;
                }
                return 0;
            default:
                return 0;
        }
    }

    private int parseTransferEncoding(HttpHead h, int vs, int ve, boolean request) {
        byte[] b = h.bytes;
        // each list element; chunked must be last and appear once (RFC 9112 §6.1)
        boolean lastIsChunked = false;
        for (int ts = nextToken(b, vs, ve); ts >= 0; ts = nextToken(b, tokenEnd, ve)) {
            boolean isChunked = tokenEnd - ts == CHUNKED.length && Ascii.equalsIgnoreCase(b, ts, CHUNKED);
            if (isChunked && (h.chunked || lastIsChunked)) {
                return request ? bad("chunked applied twice") : rejectResponse();
            }
            if (h.chunked) {
                h.chunked = false; // a coding after chunked: chunked is no longer last
                h.otherTransferCoding = true;
            }
            lastIsChunked = isChunked;
            if (isChunked) {
                h.chunked = true;
            } else {
                h.otherTransferCoding = true;
                h.transferCoding = true;
            }
        }
        if (request && (!h.chunked || h.version == 10)) {
            return bad("Transfer-Encoding must end in chunked (and needs HTTP/1.1)");
        }
        if (!request && h.chunked) {
            h.otherTransferCoding = false;
        }
        return 0;
    }

    private int rejectResponse() {
        error = "invalid Transfer-Encoding from origin";
        return 400;
    }

    private int parseConnection(HttpHead h, int vs, int ve) {
        byte[] b = h.bytes;
        int tokens = pendingConnectionTokens; // a second Connection field adds to the first's options
        for (int ts = nextToken(b, vs, ve); ts >= 0; ts = nextToken(b, tokenEnd, ve)) {
            int len = tokenEnd - ts;
            if (len == CLOSE.length && Ascii.equalsIgnoreCase(b, ts, CLOSE)) {
                h.connectionClose = true;
            } else if (len == KEEP_ALIVE.length && Ascii.equalsIgnoreCase(b, ts, KEEP_ALIVE)) {
                h.connectionKeepAlive = true;
            } else if (len == UPGRADE.length && Ascii.equalsIgnoreCase(b, ts, UPGRADE)) {
                h.connectionUpgrade = true;
            } else if (tokens < MAX_CONNECTION_TOKENS) {
                connTokenStart[tokens] = ts;
                connTokenEnd[tokens] = tokenEnd;
                tokens++;
            } else {
                return bad("too many Connection options");
            }
        }
        // RFC 9110 §7.6.1: drop every field the Connection header names (earlier ones now;
        // later ones are checked when the head is complete)
        dropNamed(h, tokens);
        pendingConnectionTokens = tokens;
        return 0;
    }

    /**
     * Drops the fields the first {@code tokens} Connection options name — except those that
     * frame the message, name its site or carry the proxies' own trail (Host, Content-Length,
     * Transfer-Encoding, Via, X-Forwarded-*). Dropping {@code Connection: content-length} would
     * forward a body without its length, for the origin to read as the next request (request
     * smuggling past routing, the barrier and the loop guard), and dropping Host would have the
     * origin serve another site than the one the request was routed by. nginx ignores such
     * options too (found by review).
     */
    private void dropNamed(HttpHead h, int tokens) {
        for (int t = 0; t < tokens; t++) {
            for (int n = 0; n < h.headerCount; n++) {
                if (!keptWhenNamed(h.kind[n]) && Ascii.regionEqualsIgnoreCase(h.bytes, h.nameStart[n], h.nameEnd[n],
                        connTokenStart[t], connTokenEnd[t])) {
                    h.dropped[n] = true;
                }
            }
        }
    }

    private static boolean keptWhenNamed(byte kind) {
        return kind == HeaderName.HOST || kind == HeaderName.CONTENT_LENGTH || kind == HeaderName.TRANSFER_ENCODING
                || kind == HeaderName.VIA || kind == HeaderName.X_FORWARDED_FOR
                || kind == HeaderName.X_FORWARDED_PROTO || kind == HeaderName.X_FORWARDED_HOST;
    }

    private int pendingConnectionTokens;

    private int checkRequestFraming(HttpHead h) {
        dropNamedLater(h);
        if (h.chunked && h.contentLength != HttpHead.NO_LENGTH) {
            return bad("both Content-Length and Transfer-Encoding");
        }
        if (h.version == 11 && h.hostHeader < 0) {
            return bad("HTTP/1.1 request without Host");
        }
        return 0;
    }

    private void checkResponseFraming(HttpHead h) {
        dropNamedLater(h);
        if (h.chunked || h.otherTransferCoding) {
            // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length, which must not be forwarded
            for (int n = 0; n < h.headerCount; n++) {
                if (h.kind[n] == HeaderName.CONTENT_LENGTH) {
                    h.dropped[n] = true;
                }
            }
            h.contentLength = HttpHead.NO_LENGTH;
        }
    }

    /** Connection tokens naming fields that came after the Connection header. */
    private void dropNamedLater(HttpHead h) {
        int tokens = pendingConnectionTokens;
        pendingConnectionTokens = 0;
        dropNamed(h, tokens);
    }

    /** 1*DIGIT, or a list of identical values ("5, 5"); -1 when malformed. */
    private static long parseContentLength(byte[] b, int vs, int ve) {
        long result = -1;
        int i = vs;
        while (i < ve) {
            long v = 0;
            int digits = 0;
            while (i < ve && isDigit(b[i])) {
                v = v * 10 + (b[i] - '0');
                if (++digits > 18) {
                    return -1;
                }
                i++;
            }
            if (digits == 0 || (result >= 0 && v != result)) {
                return -1;
            }
            result = v;
            while (i < ve && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
            if (i < ve) {
                if (b[i] != ',') {
                    return -1;
                }
                i++;
                while (i < ve && (b[i] == ' ' || b[i] == '\t')) {
                    i++;
                }
                if (i == ve) {
                    return -1;
                }
            }
        }
        return result;
    }

    /**
     * The next element of the comma-separated list in {@code b[i, ve)}, blanks and empty elements
     * skipped (RFC 9110 §5.6.1): its start, with its end in {@link #tokenEnd}; -1 at the list's end.
     */
    private int nextToken(byte[] b, int i, int ve) {
        while (i < ve && (b[i] == ' ' || b[i] == '\t' || b[i] == ',')) {
            i++;
        }
        int ts = i;
        while (i < ve && b[i] != ',' && b[i] != ' ' && b[i] != '\t') {
            i++;
        }
        tokenEnd = i;
        return i == ts ? -1 : ts;
    }

    private static boolean containsToken(byte[] b, int vs, int ve, byte[] token) {
        for (int i = vs; i + token.length <= ve; i++) {
            if ((i == vs || b[i - 1] == ',' || b[i - 1] == ' ') && Ascii.equalsIgnoreCase(b, i, token)
                    && (i + token.length == ve || b[i + token.length] == ',' || b[i + token.length] == '/'
                    || b[i + token.length] == ' ')) {
                return true;
            }
        }
        return false;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private int bad(String why) {
        error = why;
        return 400;
    }
}

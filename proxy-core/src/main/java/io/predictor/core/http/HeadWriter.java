package io.predictor.core.http;

import io.netty.buffer.ByteBuf;

/**
 * Writes a parsed head onward with the few edits a reverse proxy makes (SPEC §6): hop-by-hop
 * fields and those named by {@code Connection} removed, {@code X-Forwarded-For} replaced (or
 * appended to for a trusted peer), {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} set,
 * {@code Via} appended to; every other byte — the start line, {@code Host}, the order and
 * spelling of the other fields — goes through unchanged.
 */
public final class HeadWriter {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] XFF = HeaderName.ascii("X-Forwarded-For: ");
    private static final byte[] XFP = HeaderName.ascii("X-Forwarded-Proto: ");
    private static final byte[] XFH = HeaderName.ascii("X-Forwarded-Host: ");
    private static final byte[] VIA = HeaderName.ascii("Via: ");
    private static final byte[] HOST = HeaderName.ascii("Host: ");
    private static final byte[] COMMA = HeaderName.ascii(", ");
    private static final byte[] VIA_10 = HeaderName.ascii("1.0 ");
    private static final byte[] VIA_11 = HeaderName.ascii("1.1 ");
    private static final byte[] UPGRADE_CONNECTION = HeaderName.ascii("Connection: upgrade\r\n");
    private static final byte[] UPGRADE = HeaderName.ascii("Upgrade: ");
    private static final byte[] CONNECTION_CLOSE = HeaderName.ascii("Connection: close\r\n");

    private HeadWriter() {
    }

    /** Upper bound of the bytes {@link #writeRequest} adds to the head. */
    public static int requestOverhead(byte[] clientAddress, byte[] instance) {
        return 160 + 2 * clientAddress.length + instance.length;
    }

    /**
     * Writes the request head for the origin.
     *
     * @param clientAddress the client's IP address (from the PROXY header where the listener takes one)
     * @param proto         {@code http} or {@code https}
     * @param trustedPeer   whether the peer may pass an X-Forwarded-For on
     * @param instance      this proxy's name for {@code Via}
     * @param upgrade       whether this is a WebSocket upgrade to pass on
     * @param hostOverride  a Host value to send instead of the client's (an absolute-form target's
     *                      authority, RFC 9112 §3.2.2; a preview name without its suffix), or null
     */
    public static void writeRequest(HttpHead h, ByteBuf out, byte[] clientAddress, byte[] proto,
            boolean trustedPeer, byte[] instance, boolean upgrade, byte[] hostOverride, int hostOff, int hostLen) {
        writeRequest(h, out, clientAddress, proto, trustedPeer, instance, upgrade, hostOverride, hostOff, hostLen, -1);
    }

    /**
     * {@link #writeRequest(HttpHead, ByteBuf, byte[], byte[], boolean, byte[], boolean, byte[], int, int)}
     * with an absolute-form target sent in origin-form: {@code pathFrom} is where its path (or
     * query) begins in the head, after the authority; -1 keeps the target as it is. The origin
     * then has one name for the site, the Host the request was routed by, whatever it would make
     * of an absolute URI (nginx serves the site a request line names over its Host).
     */
    public static void writeRequest(HttpHead h, ByteBuf out, byte[] clientAddress, byte[] proto,
            boolean trustedPeer, byte[] instance, boolean upgrade, byte[] hostOverride, int hostOff, int hostLen,
            int pathFrom) {
        byte[] b = h.bytes;
        // the start line and the kept fields go out as runs of the original bytes: one copy
        // per run, not per field (header lines are contiguous in the head)
        int runStart = 0;
        int runEnd = h.startLineEnd;
        if (pathFrom >= 0) {
            out.writeBytes(b, 0, h.targetStart);
            if (pathFrom == h.targetEnd || b[pathFrom] != '/') {
                out.writeByte('/'); // "http://a.example" or "http://a.example?q": the path is "/"
            }
            out.writeBytes(b, pathFrom, h.startLineEnd - pathFrom);
            runStart = h.startLineEnd;
        }
        int xffFirst = -1;
        int upgradeHeader = -1;
        for (int i = 0; i < h.headerCount; i++) {
            byte kind = h.kind[i];
            if (kind == HeaderName.UPGRADE) {
                upgradeHeader = i;
            }
            if (h.dropped[i] || (kind == HeaderName.HOST && hostOverride != null) || kind == HeaderName.X_FORWARDED_PROTO || kind == HeaderName.X_FORWARDED_HOST
                    || kind == HeaderName.VIA || kind == HeaderName.X_FORWARDED_FOR) {
                if (kind == HeaderName.X_FORWARDED_FOR && xffFirst < 0) {
                    xffFirst = i;
                }
                continue;
            }
            if (h.nameStart[i] != runEnd) {
                out.writeBytes(b, runStart, runEnd - runStart);
                runStart = h.nameStart[i];
            }
            runEnd = h.lineEnd[i];
        }
        out.writeBytes(b, runStart, runEnd - runStart);
        if (hostOverride != null) {
            out.writeBytes(HOST).writeBytes(hostOverride, hostOff, hostLen).writeBytes(CRLF);
        }
        if (upgrade && upgradeHeader >= 0) {
            out.writeBytes(UPGRADE_CONNECTION);
            writeField(out, UPGRADE, b, upgradeHeader, h);
        }
        out.writeBytes(XFF);
        if (trustedPeer && xffFirst >= 0) {
            for (int i = xffFirst; i < h.headerCount; i++) {
                if (h.kind[i] == HeaderName.X_FORWARDED_FOR && h.valueEnd[i] > h.valueStart[i]) {
                    out.writeBytes(b, h.valueStart[i], h.valueEnd[i] - h.valueStart[i]);
                    out.writeBytes(COMMA);
                }
            }
        }
        out.writeBytes(clientAddress).writeBytes(CRLF);
        out.writeBytes(XFP).writeBytes(proto).writeBytes(CRLF);
        if (hostOverride != null) {
            out.writeBytes(XFH).writeBytes(hostOverride, hostOff, hostLen).writeBytes(CRLF);
        } else if (h.hostHeader >= 0) {
            writeField(out, XFH, b, h.hostHeader, h);
        }
        out.writeBytes(VIA);
        for (int i = 0; i < h.headerCount; i++) {
            if (h.kind[i] == HeaderName.VIA && h.valueEnd[i] > h.valueStart[i]) {
                out.writeBytes(b, h.valueStart[i], h.valueEnd[i] - h.valueStart[i]);
                out.writeBytes(COMMA);
            }
        }
        out.writeBytes(h.version == 10 ? VIA_10 : VIA_11).writeBytes(instance).writeBytes(CRLF);
        out.writeBytes(CRLF);
    }

    /**
     * Writes the response head for the client.
     *
     * @param closing  whether the proxy closes the client connection after this response
     * @param upgrade  whether this is a 101 for a WebSocket upgrade (Connection/Upgrade kept)
     */
    public static void writeResponse(HttpHead h, ByteBuf out, boolean closing, boolean upgrade) {
        byte[] b = h.bytes;
        int runStart = 0;
        int runEnd = h.startLineEnd;
        int upgradeHeader = -1;
        for (int i = 0; i < h.headerCount; i++) {
            if (h.kind[i] == HeaderName.UPGRADE) {
                upgradeHeader = i;
            }
            if (!h.dropped[i]) {
                if (h.nameStart[i] != runEnd) {
                    out.writeBytes(b, runStart, runEnd - runStart);
                    runStart = h.nameStart[i];
                }
                runEnd = h.lineEnd[i];
            }
        }
        out.writeBytes(b, runStart, runEnd - runStart);
        if (upgrade && upgradeHeader >= 0) {
            out.writeBytes(UPGRADE_CONNECTION);
            writeField(out, UPGRADE, b, upgradeHeader, h);
        } else if (closing) {
            out.writeBytes(CONNECTION_CLOSE);
        }
        out.writeBytes(CRLF);
    }

    /**
     * The loop guard of SPEC §6: whether this request, about to be forwarded by {@code route}
     * (its wire name), would ping-pong. It would when a {@code Via} entry names this instance
     * (it came back), or when another predictor forwarded it by another route ({@code Via:
     * 1.1 other (predictor local)}, {@link #predictorVia}): two predictors on the two sides
     * that route a site differently — their tables out of step — would send it back across, and
     * the first of them to see that answers 508 instead of the extra round trip (found by a
     * review against SPEC: the request went A→B→A before it was refused).
     */
    public static boolean loops(HttpHead h, byte[] instance, byte[] route) {
        byte[] b = h.bytes;
        for (int i = 0; i < h.headerCount; i++) {
            if (h.kind[i] == HeaderName.VIA && viaValueLoops(b, h.valueStart[i], h.valueEnd[i], instance, route)) {
                return true;
            }
        }
        return false;
    }

    private static final byte[] PREDICTOR_COMMENT = HeaderName.ascii("(predictor ");

    /**
     * What this proxy adds to {@code Via} when it forwards by {@code route}: its instance, and a
     * comment that says a predictor forwarded it and by which route ({@code pred-a (predictor
     * local)}; RFC 9110 §7.6.3 allows a comment after the received-by name).
     */
    public static byte[] predictorVia(String instance, String route) {
        return HeaderName.ascii(instance + " (predictor " + route + ")");
    }

    /** {@link #loops} for one Via value {@code b[p, end)}. */
    public static boolean viaValueLoops(byte[] b, int p, int end, byte[] instance, byte[] route) {
        if (viaValueNames(b, p, end, instance)) {
            return true;
        }
        for (int i = p; i + PREDICTOR_COMMENT.length < end; i++) {
            if (b[i] == '(' && java.util.Arrays.equals(b, i, i + PREDICTOR_COMMENT.length, PREDICTOR_COMMENT, 0,
                    PREDICTOR_COMMENT.length)) {
                int r = i + PREDICTOR_COMMENT.length;
                int close = r;
                while (close < end && b[close] != ')' && b[close] != ',') {
                    close++;
                }
                if (close < end && b[close] == ')'
                        && !java.util.Arrays.equals(b, r, close, route, 0, route.length)) {
                    return true; // another predictor sent it by another route: it would go back across
                }
            }
        }
        return false;
    }

    /** Whether the Via value {@code b[p, end)} has an entry received by {@code instance}. */
    public static boolean viaValueNames(byte[] b, int p, int end, byte[] instance) {
        while (p < end) {
            // entry: protocol SP received-by [SP comment] ; entries separated by commas
            int entryEnd = p;
            while (entryEnd < end && b[entryEnd] != ',') {
                entryEnd++;
            }
            int q = p;
            while (q < entryEnd && (b[q] == ' ' || b[q] == '\t')) {
                q++;
            }
            while (q < entryEnd && b[q] != ' ' && b[q] != '\t') {
                q++;
            }
            while (q < entryEnd && (b[q] == ' ' || b[q] == '\t')) {
                q++;
            }
            int nameStart = q;
            while (q < entryEnd && b[q] != ' ' && b[q] != '\t') {
                q++;
            }
            if (q - nameStart == instance.length
                    && java.util.Arrays.equals(b, nameStart, q, instance, 0, instance.length)) {
                return true;
            }
            p = entryEnd + 1;
        }
        return false;
    }

    private static void writeField(ByteBuf out, byte[] name, byte[] b, int i, HttpHead h) {
        out.writeBytes(name);
        out.writeBytes(b, h.valueStart[i], h.valueEnd[i] - h.valueStart[i]);
        out.writeBytes(CRLF);
    }
}

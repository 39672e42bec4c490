package io.predictor.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * HTTP/2 requests onto HTTP/1.1 origins and their responses back (RFC 9113 §8): validates a
 * request's header block before a byte of it reaches an HTTP/1.1 connection — the downgrade is
 * where request-splitting bugs live, so CR, LF and NUL are refused in every name and value, and
 * so are connection-specific fields and malformed pseudo-headers — then writes the HTTP/1.1 head
 * with the forwarding edits of SPEC §6 ({@link HeadWriter}'s for HTTP/1). Responses go the other
 * way as a header block: hop-by-hop fields dropped, names in lower case.
 */
public final class Http2Downgrade {

    private static final AsciiString METHOD = AsciiString.cached(":method");
    private static final AsciiString SCHEME = AsciiString.cached(":scheme");
    private static final AsciiString PATH = AsciiString.cached(":path");
    private static final AsciiString AUTHORITY = AsciiString.cached(":authority");
    private static final AsciiString HOST = AsciiString.cached("host");
    private static final AsciiString TE = AsciiString.cached("te");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");
    private static final AsciiString COOKIE = AsciiString.cached("cookie");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString XFF = AsciiString.cached("x-forwarded-for");
    private static final AsciiString XFP = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString XFH = AsciiString.cached("x-forwarded-host");
    private static final AsciiString VIA = AsciiString.cached("via");
    private static final List<AsciiString> CONNECTION_SPECIFIC = List.of(AsciiString.cached("connection"),
            AsciiString.cached("keep-alive"), AsciiString.cached("proxy-connection"),
            AsciiString.cached("transfer-encoding"), AsciiString.cached("upgrade"));

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HTTP11 = HeaderName.ascii(" HTTP/1.1\r\n");
    private static final byte[] H_HOST = HeaderName.ascii("Host: ");
    private static final byte[] H_COOKIE = HeaderName.ascii("cookie: ");
    private static final byte[] H_XFF = HeaderName.ascii("X-Forwarded-For: ");
    private static final byte[] H_XFP = HeaderName.ascii("X-Forwarded-Proto: ");
    private static final byte[] H_XFH = HeaderName.ascii("X-Forwarded-Host: ");
    private static final byte[] H_VIA = HeaderName.ascii("Via: ");
    private static final byte[] VIA_2 = HeaderName.ascii("2 ");
    private static final byte[] COMMA = HeaderName.ascii(", ");
    private static final byte[] SEMI = HeaderName.ascii("; ");
    private static final byte[] CHUNKED = HeaderName.ascii("Transfer-Encoding: chunked\r\n");
    private static final byte[] ZERO_LENGTH = HeaderName.ascii("Content-Length: 0\r\n");
    private static final byte[] COLON = HeaderName.ascii(": ");

    private Http2Downgrade() {
    }

    /**
     * What one pass over a request's header block found: the fields the proxy acts on, so that
     * nothing after {@link #validate} looks a name up in the block again (each lookup hashes the
     * name; a header block of h2load's had about ten of them a request). Valid after
     * {@link #validate} returned null.
     */
    public static final class Fields {
        private CharSequence method;
        private CharSequence path;
        private CharSequence authority;
        private CharSequence host;
        private CharSequence contentLength;
        private boolean via;
        private boolean forwardedFor;

        public CharSequence method() {
            return method;
        }

        public CharSequence path() {
            return path;
        }

        /** The authority the request names: {@code :authority}, else {@code Host}, else null. */
        public CharSequence authority() {
            return authority != null ? authority : host;
        }

        /** The {@code Host} header when the request also has an {@code :authority} (they must agree), else null. */
        public CharSequence hostBesideAuthority() {
            return authority == null ? null : host;
        }

        /** The request's content-length, -1 without one or when it is not a plain number. */
        public long contentLength() {
            CharSequence v = contentLength;
            if (v == null || v.length() == 0 || v.length() > 18) {
                return -1;
            }
            long n = 0;
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                n = n * 10 + (c - '0');
            }
            return n;
        }
    }

    /**
     * Checks a request header block (RFC 9113 §8.2 and §8.3) and notes its fields in
     * {@code into}. Returns null when it may be forwarded, else why it is malformed (the stream
     * is then reset with PROTOCOL_ERROR).
     */
    public static String validate(Http2Headers h, Fields into) {
        int methods = 0;
        int schemes = 0;
        int paths = 0;
        int authorities = 0;
        int contentLengths = 0;
        CharSequence contentLength = null;
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            CharSequence name = e.getKey();
            CharSequence value = e.getValue();
            if (name.length() == 0) {
                return "empty header name";
            }
            if (name.charAt(0) == ':') {
                if (AsciiString.contentEquals(name, METHOD)) {
                    methods++;
                    into.method = value;
                } else if (AsciiString.contentEquals(name, SCHEME)) {
                    schemes++;
                } else if (AsciiString.contentEquals(name, PATH)) {
                    paths++;
                    into.path = value;
                } else if (AsciiString.contentEquals(name, AUTHORITY)) {
                    authorities++;
                    into.authority = value;
                } else {
                    return "pseudo-header " + name + " is not one of a request";
                }
            } else {
                for (int i = 0; i < name.length(); i++) {
                    char c = name.charAt(i);
                    if (c >= 'A' && c <= 'Z' || c > 0x7e || !Ascii.isToken((byte) c)) {
                        return "invalid character in header name " + name;
                    }
                }
                for (AsciiString cs : CONNECTION_SPECIFIC) {
                    if (AsciiString.contentEquals(name, cs)) {
                        return "connection-specific header " + name;
                    }
                }
                if (AsciiString.contentEquals(name, TE) && !AsciiString.contentEqualsIgnoreCase(value, TRAILERS)) {
                    return "te other than trailers";
                }
                if (AsciiString.contentEquals(name, CONTENT_LENGTH)) {
                    if (contentLength != null && !AsciiString.contentEquals(contentLength, value)) {
                        return "conflicting content-length";
                    }
                    contentLength = value;
                    contentLengths++;
                } else if (AsciiString.contentEquals(name, HOST)) {
                    if (into.host == null) {
                        into.host = value;
                    }
                } else if (AsciiString.contentEquals(name, VIA)) {
                    into.via = true;
                } else if (AsciiString.contentEquals(name, XFF)) {
                    into.forwardedFor = true;
                }
            }
            String bad = checkValue(value);
            if (bad != null) {
                return bad + " in the value of " + name;
            }
        }
        if (methods != 1 || schemes != 1 || paths != 1 || authorities > 1) {
            return "missing or repeated pseudo-header (:method, :scheme and :path once each, :authority at most once)";
        }
        into.contentLength = contentLength;
        CharSequence path = into.path;
        if (path.length() == 0 || (path.charAt(0) != '/' && !(path.length() == 1 && path.charAt(0) == '*'))) {
            return "invalid :path";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return "invalid character in :path";
            }
        }
        CharSequence method = into.method;
        for (int i = 0; i < method.length(); i++) {
            if (!Ascii.isToken((byte) method.charAt(i)) || method.charAt(i) > 0x7e) {
                return "invalid :method";
            }
        }
        if (contentLengths > 0 && into.contentLength() < 0) {
            return "invalid content-length";
        }
        return null;
    }

    /** RFC 9113 §8.2.1: no NUL, CR or LF anywhere, no leading or trailing whitespace. */
    private static String checkValue(CharSequence v) {
        int n = v.length();
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return "NUL, CR or LF";
            }
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return "control character";
            }
        }
        if (n > 0 && (v.charAt(0) == ' ' || v.charAt(0) == '\t' || v.charAt(n - 1) == ' ' || v.charAt(n - 1) == '\t')) {
            return "leading or trailing whitespace";
        }
        return null;
    }

    /** The loop guard ({@link HeadWriter#loops}) on an HTTP/2 request's {@code via} values. */
    public static boolean loops(Http2Headers h, Fields f, byte[] instance, byte[] route) {
        if (!f.via) {
            return false;
        }
        for (CharSequence v : h.getAll(VIA)) {
            byte[] b = v.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            if (HeadWriter.viaValueLoops(b, 0, b.length, instance, route)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the HTTP/1.1 request head for the origin.
     *
     * @param f           what {@link #validate} found in {@code h}
     * @param host        the Host to send (the request's authority, or a preview name without its suffix)
     * @param chunked     the body goes as chunked (an HTTP/2 request body of unknown length)
     * @param emptyBody   the request ended with its headers: a method that defines a body gets {@code Content-Length: 0}
     */
    public static void writeRequest(Http2Headers h, Fields f, ByteBuf out, byte[] clientAddress, byte[] proto,
            boolean trustedPeer, byte[] instance, CharSequence host, boolean chunked, boolean emptyBody) {
        ByteBufUtil.writeAscii(out, f.method);
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, f.path);
        out.writeBytes(HTTP11);
        out.writeBytes(H_HOST);
        ByteBufUtil.writeAscii(out, host);
        out.writeBytes(CRLF);
        boolean cookie = false;
        boolean hasLength = false;
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            CharSequence name = e.getKey();
            if (name.charAt(0) == ':' || AsciiString.contentEquals(name, HOST) || AsciiString.contentEquals(name, XFF)
                    || AsciiString.contentEquals(name, XFP) || AsciiString.contentEquals(name, XFH)
                    || AsciiString.contentEquals(name, VIA) || AsciiString.contentEquals(name, TE)) {
                continue;
            }
            if (AsciiString.contentEquals(name, COOKIE)) {
                cookie = true; // RFC 9113 §8.2.3: crumbs are joined into one field below
                continue;
            }
            if (AsciiString.contentEquals(name, CONTENT_LENGTH)) {
                if (hasLength) {
                    continue;
                }
                hasLength = true;
            }
            ByteBufUtil.writeAscii(out, name);
            out.writeBytes(COLON);
            ByteBufUtil.writeAscii(out, e.getValue());
            out.writeBytes(CRLF);
        }
        if (cookie) {
            out.writeBytes(H_COOKIE);
            Iterator<CharSequence> it = h.getAll(COOKIE).iterator(); // in the order they came
            boolean first = true;
            while (it.hasNext()) {
                if (!first) {
                    out.writeBytes(SEMI);
                }
                ByteBufUtil.writeAscii(out, it.next());
                first = false;
            }
            out.writeBytes(CRLF);
        }
        if (chunked) {
            out.writeBytes(CHUNKED);
        } else if (emptyBody && !hasLength && definesBody(f.method)) {
            out.writeBytes(ZERO_LENGTH);
        }
        out.writeBytes(H_XFF);
        if (trustedPeer && f.forwardedFor) {
            for (CharSequence v : h.getAll(XFF)) {
                if (v.length() > 0) {
                    ByteBufUtil.writeAscii(out, v);
                    out.writeBytes(COMMA);
                }
            }
        }
        out.writeBytes(clientAddress).writeBytes(CRLF);
        out.writeBytes(H_XFP).writeBytes(proto).writeBytes(CRLF);
        out.writeBytes(H_XFH);
        ByteBufUtil.writeAscii(out, host);
        out.writeBytes(CRLF);
        out.writeBytes(H_VIA);
        if (f.via) {
            for (CharSequence v : h.getAll(VIA)) {
                if (v.length() > 0) {
                    ByteBufUtil.writeAscii(out, v);
                    out.writeBytes(COMMA);
                }
            }
        }
        out.writeBytes(VIA_2).writeBytes(instance).writeBytes(CRLF);
        out.writeBytes(CRLF);
    }

    private static boolean definesBody(CharSequence method) {
        return AsciiString.contentEquals(method, "POST") || AsciiString.contentEquals(method, "PUT")
                || AsciiString.contentEquals(method, "PATCH");
    }

    /** {@code :status} values, made once. */
    private static final AsciiString[] STATUS = new AsciiString[600];
    /**
     * Response field names seen on most responses, lower case, made once: a cached name is hashed
     * once (by the header map and by the HPACK encoder), not on every response.
     */
    private static final AsciiString[][] COMMON_BY_LENGTH = new AsciiString[32][];

    static {
        for (int s = 100; s < STATUS.length; s++) {
            STATUS[s] = AsciiString.cached(Integer.toString(s));
        }
        String[] common = {"server", "date", "content-type", "content-length", "last-modified", "etag",
            "cache-control", "expires", "location", "vary", "accept-ranges", "content-encoding", "set-cookie",
            "content-language", "content-range", "age", "x-content-type-options", "x-frame-options",
            "strict-transport-security", "content-security-policy", "referrer-policy", "link", "pragma",
            "access-control-allow-origin", "alt-svc", "retry-after", "www-authenticate"};
        for (String c : common) {
            AsciiString[] old = COMMON_BY_LENGTH[c.length()];
            AsciiString[] grown = old == null ? new AsciiString[1] : java.util.Arrays.copyOf(old, old.length + 1);
            grown[grown.length - 1] = AsciiString.cached(c);
            COMMON_BY_LENGTH[c.length()] = grown;
        }
    }

    /**
     * The header block of an origin's response head: {@code :status} and every field that is not
     * hop-by-hop (those the parser dropped, and Transfer-Encoding), names in lower case.
     */
    public static Http2Headers responseHeaders(HttpHead head) {
        DefaultHttp2Headers out = new DefaultHttp2Headers(false, head.headerCount + 1);
        int status = head.status;
        out.status(status >= 100 && status < STATUS.length ? STATUS[status] : AsciiString.of(Integer.toString(status)));
        byte[] b = head.bytes;
        for (int i = 0; i < head.headerCount; i++) {
            if (head.dropped[i] || head.kind[i] == HeaderName.TRANSFER_ENCODING) {
                continue;
            }
            out.add(lowerCaseName(b, head.nameStart[i], head.nameEnd[i]),
                    new AsciiString(b, head.valueStart[i], head.valueEnd[i] - head.valueStart[i], true));
        }
        return out;
    }

    /** The name {@code b[start, end)} in lower case: a cached one when it is a common name. */
    private static AsciiString lowerCaseName(byte[] b, int start, int end) {
        int length = end - start;
        AsciiString[] candidates = length < COMMON_BY_LENGTH.length ? COMMON_BY_LENGTH[length] : null;
        if (candidates != null) {
            for (AsciiString c : candidates) {
                if (equalsLowerCase(b, start, c.array(), c.arrayOffset(), length)) {
                    return c;
                }
            }
        }
        byte[] name = new byte[length];
        for (int k = 0; k < length; k++) {
            byte c = b[start + k];
            name[k] = c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
        }
        return new AsciiString(name, false);
    }

    private static boolean equalsLowerCase(byte[] b, int start, byte[] lower, int offset, int length) {
        for (int k = 0; k < length; k++) {
            byte c = b[start + k];
            if ((c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c) != lower[offset + k]) {
                return false;
            }
        }
        return true;
    }
}

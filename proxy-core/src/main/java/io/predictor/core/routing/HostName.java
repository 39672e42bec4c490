package io.predictor.core.routing;

import java.nio.charset.StandardCharsets;

/**
 * Host name normalisation shared by the data plane, the sites file and the admin API, so that
 * one rule decides what "the same site" means: ASCII case folded, port removed, one trailing
 * dot removed, surrounding whitespace ignored. IDNs must arrive in punycode (browsers send
 * them so); any byte outside {@code [a-z0-9._-]} makes the name invalid. An IPv6 literal keeps
 * its brackets ({@code [::1]}).
 *
 * <p>The byte-array form allocates nothing: the hot path normalises a {@code Host} value into a
 * scratch buffer owned by the connection.
 */
public final class HostName {

    /** Longest DNS name (RFC 1035), plus room for an IPv6 literal with brackets. */
    public static final int MAX_LENGTH = 253;

    private static final boolean[] NAME_BYTE = new boolean[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            NAME_BYTE[c] = true;
        }
        for (int c = '0'; c <= '9'; c++) {
            NAME_BYTE[c] = true;
        }
        NAME_BYTE['-'] = true;
        NAME_BYTE['.'] = true;
        NAME_BYTE['_'] = true;
    }

    private HostName() {
    }

    /**
     * Normalises {@code src[off, off+len)} into {@code dst} (at least {@link #MAX_LENGTH} bytes).
     *
     * @return the normalised length, or -1 if the value is not a valid host name
     */
    public static int normalize(byte[] src, int off, int len, byte[] dst) {
        int start = off;
        int end = off + len;
        while (start < end && isOws(src[start])) {
            start++;
        }
        while (end > start && isOws(src[end - 1])) {
            end--;
        }
        if (start == end) {
            return -1;
        }
        if (src[start] == '[') {
            return normalizeIpv6(src, start, end, dst);
        }
        int n = 0;
        for (int i = start; i < end; i++) {
            int b = src[i] & 0xff;
            if (b == ':') {
                if (!isPort(src, i + 1, end)) {
                    return -1;
                }
                break;
            }
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (!NAME_BYTE[b] || n == MAX_LENGTH + 1) {
                return -1;
            }
            dst[n++] = (byte) b;
        }
        if (n > 0 && dst[n - 1] == '.') {
            n--;
        }
        if (n == 0 || n > MAX_LENGTH || dst[0] == '.') {
            return -1;
        }
        return n;
    }

    /** String form for the control plane: returns null when the name is invalid. */
    public static String normalize(String host) {
        if (host == null) {
            return null;
        }
        byte[] src = host.getBytes(StandardCharsets.ISO_8859_1);
        if (src.length > MAX_LENGTH + 16) {
            return null;
        }
        byte[] dst = new byte[MAX_LENGTH + 2];
        int n = normalize(src, 0, src.length, dst);
        return n < 0 ? null : new String(dst, 0, n, StandardCharsets.ISO_8859_1);
    }

    /**
     * Hash of a normalised name, used by every {@link HostIndex}. FNV-1a over the bytes, then
     * Murmur3's finaliser so that the low bits (the table slot) depend on every byte.
     */
    public static int hash(byte[] b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = off, end = off + len; i < end; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int normalizeIpv6(byte[] src, int start, int end, byte[] dst) {
        int n = 0;
        int i = start;
        for (; i < end; i++) {
            int b = src[i] & 0xff;
            if (b >= 'A' && b <= 'F') {
                b += 'a' - 'A';
            }
            boolean ok = b == '[' ? i == start
                    : b == ']' || b == ':' || b == '.' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f');
            if (!ok || n == MAX_LENGTH) {
                return -1;
            }
            dst[n++] = (byte) b;
            if (b == ']') {
                i++;
                break;
            }
        }
        if (dst[n - 1] != ']' || n < 3) {
            return -1;
        }
        if (i < end && (src[i] != ':' || !isPort(src, i + 1, end))) {
            return -1;
        }
        return n;
    }

    private static boolean isPort(byte[] src, int from, int end) {
        if (end - from > 5) {
            return false; // an empty port is allowed (RFC 9110 §4.2.1: port = *DIGIT)
        }
        for (int i = from; i < end; i++) {
            if (src[i] < '0' || src[i] > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }
}

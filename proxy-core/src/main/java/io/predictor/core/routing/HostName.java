package io.predictor.core.routing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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

    /** Per byte: its lower-case form if it may appear in a host name, else 0. */
    private static final byte[] LOWER_NAME_BYTE = new byte[256];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH = 0x8080808080808080L;

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            LOWER_NAME_BYTE[c] = (byte) c;
            LOWER_NAME_BYTE[c - 'a' + 'A'] = (byte) c;
        }
        for (int c = '0'; c <= '9'; c++) {
            LOWER_NAME_BYTE[c] = (byte) c;
        }
        LOWER_NAME_BYTE['-'] = '-';
        LOWER_NAME_BYTE['.'] = '.';
        LOWER_NAME_BYTE['_'] = '_';
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
        // one table load per byte: the lower-case byte, or 0 for any byte that is not a name
        // byte (':' of a port, an invalid byte), which ends the loop; so does the length limit
        int n = 0;
        int i = start;
        int limit = start + Math.min(end - start, Math.min(MAX_LENGTH + 1, dst.length));
        for (; i < limit; i++) {
            byte m = LOWER_NAME_BYTE[src[i] & 0xff];
            if (m == 0) {
                break;
            }
            dst[n++] = m;
        }
        if (i < end && (src[i] != ':' || !isPort(src, i + 1, end))) {
            return -1; // an invalid byte, or more than MAX_LENGTH + 1 bytes before the port
        }
        if (n > 0 && dst[n - 1] == '.') {
            n--;
        }
        // "www.example.com..": no entry can end in a dot (the sites file and the admin API refuse
        // it), so it would take the default route whatever the site's state; refused instead, as
        // the parser refuses it (found by review)
        if (n == 0 || n > MAX_LENGTH || dst[0] == '.' || dst[n - 1] == '.') {
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
     * The '.' bytes among {@code b[at, min(at + 8, len))}: bit 7 of byte k set when
     * {@code b[at + k]} is a dot (for {@link Long#numberOfTrailingZeros} / 8).
     */
    static long dots(byte[] b, int at, int len) {
        int n = len - at;
        long w;
        if (n >= 8) {
            w = (long) LONGS.get(b, at);
        } else if (len >= 8) {
            w = (long) LONGS.get(b, len - 8) >>> (64 - 8 * n); // the last n bytes
        } else {
            w = 0;
            for (int i = len - 1; i >= at; i--) {
                w = (w << 8) | (b[i] & 0xff);
            }
        }
        // exact for any byte: the high bits are cleared first, so no byte carries into the next
        long dots = ~(((w & 0x7f7f7f7f7f7f7f7fL) ^ 0x2e2e2e2e2e2e2e2eL) + 0x7f7f7f7f7f7f7f7fL) & ~w & HIGH;
        return n >= 8 ? dots : dots & ((1L << (8 * n)) - 1);
    }

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    /**
     * Hash of a normalised name, used by every {@link HostIndex} and the overlay: {@code (int)}
     * of {@link #hash64}.
     */
    public static int hash(byte[] b, int off, int len) {
        return (int) hash64(b, off, len);
    }

    /**
     * 64-bit hash of a normalised name: eight bytes a round (xxHash64's round and finaliser),
     * the last 1-7 bytes as one word that ends with the name. Its low bits choose a slot; its
     * high 32 bits are the fingerprint a {@link HostIndex} slot keeps. Allocates nothing.
     */
    public static long hash64(byte[] b, int off, int len) {
        long h = P5 + len * P1;
        int p = off;
        int end = off + len;
        while (end - p >= 8) {
            h = Long.rotateLeft(h + (long) LONGS.get(b, p) * P2, 31) * P1;
            p += 8;
        }
        int r = end - p;
        if (r > 0) {
            long w;
            if (end >= 8) {
                w = (long) LONGS.get(b, end - 8) >>> (64 - 8 * r); // the last r bytes, little-endian
            } else {
                w = 0;
                for (int i = end - 1; i >= p; i--) {
                    w = (w << 8) | (b[i] & 0xff);
                }
            }
            h = Long.rotateLeft(h + w * P2, 31) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
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

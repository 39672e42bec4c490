package io.predictor.admin.config;

/**
 * Strict parsing of IP address literals into bytes, without ever asking DNS (which
 * {@code InetAddress.getByName} may do for text that is not a literal).
 */
final class IpLiterals {
    private IpLiterals() {
    }

    /** Four bytes for a dotted-quad IPv4 address, or null. Leading zeros are refused: some tools read them as octal. */
    static byte[] ipv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        while (true) {
            int start = i;
            int value = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || value > 255 || (len > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part == 4) {
                return i == s.length() ? out : null;
            }
            if (i >= s.length() || s.charAt(i) != '.') {
                return null;
            }
            i++;
        }
    }

    /** Sixteen bytes for an IPv6 address without brackets or zone ({@code ::1}, {@code ::ffff:10.0.0.1}), or null. */
    static byte[] ipv6(String s) {
        if (s.length() < 2 || s.length() > 45) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        int[] head = new int[9];
        int[] tail = new int[9];
        int headWords = words(gap >= 0 ? s.substring(0, gap) : s, head, gap < 0);
        int tailWords = gap >= 0 ? words(s.substring(gap + 2), tail, true) : 0;
        if (headWords < 0 || tailWords < 0) {
            return null;
        }
        int total = headWords + tailWords;
        if (gap < 0 ? total != 8 : total > 7) {
            return null;
        }
        int[] all = new int[8];
        System.arraycopy(head, 0, all, 0, headWords);
        System.arraycopy(tail, 0, all, 8 - tailWords, tailWords);
        byte[] out = new byte[16];
        for (int w = 0; w < 8; w++) {
            out[2 * w] = (byte) (all[w] >> 8);
            out[2 * w + 1] = (byte) all[w];
        }
        return out;
    }

    /** Parses colon-separated 16-bit words into {@code out}, an IPv4 tail as two; returns the count or -1. */
    private static int words(String part, int[] out, boolean ipv4TailAllowed) {
        if (part.isEmpty()) {
            return 0;
        }
        String[] pieces = part.split(":", -1);
        int n = 0;
        for (int p = 0; p < pieces.length; p++) {
            String piece = pieces[p];
            if (p == pieces.length - 1 && ipv4TailAllowed && piece.indexOf('.') >= 0) {
                byte[] v4 = ipv4(piece);
                if (v4 == null || n + 2 > 8) {
                    return -1;
                }
                out[n++] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
                out[n++] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
                continue;
            }
            if (piece.isEmpty() || piece.length() > 4 || n >= 8) {
                return -1;
            }
            int value = 0;
            for (int i = 0; i < piece.length(); i++) {
                char ch = piece.charAt(i);
                // ASCII hex digits only: Character.digit also takes other scripts' digits (found by review)
                int d = ch < 0x80 ? Character.digit(ch, 16) : -1;
                if (d < 0) {
                    return -1;
                }
                value = value << 4 | d;
            }
            out[n++] = value;
        }
        return n;
    }

    /** RFC 5952 text: dotted quad, or lower-case IPv6 with the longest run of zero words as {@code ::}. */
    static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int w = 0; w < 8; ) {
            int len = 0;
            while (w + len < 8 && word(a, w + len) == 0) {
                len++;
            }
            if (len > bestLen) {
                bestStart = w;
                bestLen = len;
            }
            w += Math.max(len, 1);
        }
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < 8; w++) {
            if (w == bestStart) {
                sb.append("::");
                w += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(word(a, w)));
        }
        return sb.toString();
    }

    private static int word(byte[] a, int w) {
        return (a[2 * w] & 0xff) << 8 | (a[2 * w + 1] & 0xff);
    }
}

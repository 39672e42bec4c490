package io.predictor.core.http;

/** Byte-array helpers for the head parser: character classes of RFC 9110 and case folding. */
final class Ascii {

    /** tchar of RFC 9110 §5.6.2. */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private Ascii() {
    }

    static boolean isToken(byte b) {
        return TOKEN[b & 0xff];
    }

    /** field-vchar or SP/HTAB (obs-text allowed): everything but CTLs other than HTAB, and DEL. */
    private static final boolean[] FIELD_VALUE = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            FIELD_VALUE[c] = c == '\t' || (c >= 0x20 && c != 0x7f);
        }
    }

    static boolean isFieldValueByte(byte b) {
        return FIELD_VALUE[b & 0xff];
    }

    static boolean equalsIgnoreCase(byte[] a, int start, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            byte b = a[start + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean regionEqualsIgnoreCase(byte[] a, int aStart, int aEnd, int bStart, int bEnd) {
        if (aEnd - aStart != bEnd - bStart) {
            return false;
        }
        for (int i = 0; i < aEnd - aStart; i++) {
            int x = a[aStart + i];
            int y = a[bStart + i];
            if (x >= 'A' && x <= 'Z') {
                x += 32;
            }
            if (y >= 'A' && y <= 'Z') {
                y += 32;
            }
            if (x != y) {
                return false;
            }
        }
        return true;
    }
}

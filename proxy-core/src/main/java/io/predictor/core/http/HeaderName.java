package io.predictor.core.http;

import java.nio.charset.StandardCharsets;

/**
 * The header names the proxy acts on, recognised once while parsing so that forwarding
 * decisions are a switch on a byte, not string comparisons.
 */
final class HeaderName {

    static final byte OTHER = 0;
    static final byte HOST = 1;
    static final byte CONTENT_LENGTH = 2;
    static final byte TRANSFER_ENCODING = 3;
    static final byte CONNECTION = 4;
    static final byte KEEP_ALIVE = 5;
    static final byte PROXY_CONNECTION = 6;
    static final byte TE = 7;
    static final byte UPGRADE = 8;
    static final byte EXPECT = 9;
    static final byte X_FORWARDED_FOR = 10;
    static final byte X_FORWARDED_PROTO = 11;
    static final byte X_FORWARDED_HOST = 12;
    static final byte VIA = 13;
    static final byte PROXY_AUTHENTICATE = 14;
    static final byte PROXY_AUTHORIZATION = 15;
    static final byte TRAILER = 16;

    private static final byte[][] NAMES = new byte[17][];

    static {
        NAMES[HOST] = ascii("host");
        NAMES[CONTENT_LENGTH] = ascii("content-length");
        NAMES[TRANSFER_ENCODING] = ascii("transfer-encoding");
        NAMES[CONNECTION] = ascii("connection");
        NAMES[KEEP_ALIVE] = ascii("keep-alive");
        NAMES[PROXY_CONNECTION] = ascii("proxy-connection");
        NAMES[TE] = ascii("te");
        NAMES[UPGRADE] = ascii("upgrade");
        NAMES[EXPECT] = ascii("expect");
        NAMES[X_FORWARDED_FOR] = ascii("x-forwarded-for");
        NAMES[X_FORWARDED_PROTO] = ascii("x-forwarded-proto");
        NAMES[X_FORWARDED_HOST] = ascii("x-forwarded-host");
        NAMES[VIA] = ascii("via");
        NAMES[PROXY_AUTHENTICATE] = ascii("proxy-authenticate");
        NAMES[PROXY_AUTHORIZATION] = ascii("proxy-authorization");
        NAMES[TRAILER] = ascii("trailer");
    }

    private HeaderName() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Names by length (at most {@link #MAX_LENGTH}): a header is compared with the one or two
     * known names of its length, not with all sixteen.
     */
    private static final int MAX_LENGTH = 19;
    private static final byte[][] BY_LENGTH = new byte[MAX_LENGTH + 1][];

    static {
        for (int length = 0; length <= MAX_LENGTH; length++) {
            int count = 0;
            for (int kind = 1; kind < NAMES.length; kind++) {
                if (NAMES[kind].length == length) {
                    count++;
                }
            }
            BY_LENGTH[length] = new byte[count];
            count = 0;
            for (int kind = 1; kind < NAMES.length; kind++) {
                if (NAMES[kind].length == length) {
                    BY_LENGTH[length][count++] = (byte) kind;
                }
            }
        }
    }

    /** Classifies the name at {@code b[start, end)}; case-insensitive. */
    static byte classify(byte[] b, int start, int end) {
        int len = end - start;
        if (len > MAX_LENGTH) {
            return OTHER;
        }
        byte first = (byte) (b[start] | 0x20);
        for (byte kind : BY_LENGTH[len]) {
            byte[] n = NAMES[kind];
            if (n[0] == first && Ascii.equalsIgnoreCase(b, start, n)) {
                return kind;
            }
        }
        return OTHER;
    }
}

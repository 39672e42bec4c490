package io.predictor.core.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Raw HTTP/2 frames, byte by byte, for tests that must send what a well-behaved client would not. */
public final class H2Frames {

    private H2Frames() {
    }

    /** A frame: 24-bit length, type, flags, 31-bit stream id, payload (RFC 9113 §4.1). */
    public static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(payload.length >> 16);
        b.write(payload.length >> 8);
        b.write(payload.length);
        b.write(type);
        b.write(flags);
        b.write(stream >>> 24);
        b.write(stream >>> 16);
        b.write(stream >>> 8);
        b.write(stream);
        b.writeBytes(payload);
        return b.toByteArray();
    }

    /**
     * The HPACK block of {@code GET https://authority/path}: indexed :method GET and :scheme https,
     * :path indexed when it is {@code /} else a literal without indexing, a literal :authority.
     * Names and path must be shorter than 128 bytes (one-byte lengths, no Huffman).
     */
    public static byte[] getRequest(String authority, String path) {
        byte[] host = authority.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x82);
        b.write(0x87);
        if (path.equals("/")) {
            b.write(0x84);
        } else {
            byte[] p = path.getBytes(StandardCharsets.US_ASCII);
            b.write(0x04);
            b.write(p.length);
            b.writeBytes(p);
        }
        b.write(0x01);
        b.write(host.length);
        b.writeBytes(host);
        return b.toByteArray();
    }
}

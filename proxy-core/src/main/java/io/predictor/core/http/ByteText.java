package io.predictor.core.http;

import java.nio.charset.StandardCharsets;

/**
 * A reusable window on ISO-8859-1 bytes seen as text: what a connection hands its listeners for
 * the host, method and target of each request without making a {@code String} of each (the
 * access log copies the characters straight into its buffer). Mutable and valid only until the
 * owner points it elsewhere; {@link #toString()} makes a copy to keep.
 */
public final class ByteText implements CharSequence {

    private byte[] bytes = new byte[0];
    private int start;
    private int length;

    /** Points this text at {@code bytes[start, start + length)}; returns it. */
    public ByteText set(byte[] bytes, int start, int length) {
        this.bytes = bytes;
        this.start = start;
        this.length = length;
        return this;
    }

    /** The bytes this text is a window on (from {@link #offset()}, {@link #length()} of them): not a copy. */
    public byte[] array() {
        return bytes;
    }

    public int offset() {
        return start;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index " + index + " of " + length);
        }
        return (char) (bytes[start + index] & 0xff);
    }

    @Override
    public CharSequence subSequence(int from, int to) {
        return toString().substring(from, to);
    }

    @Override
    public String toString() {
        return new String(bytes, start, length, StandardCharsets.ISO_8859_1);
    }
}

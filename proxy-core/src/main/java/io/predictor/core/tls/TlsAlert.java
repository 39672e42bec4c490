package io.predictor.core.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A fatal TLS alert record written in the clear, before any handshake (RFC 8446 §6): how a
 * passthrough listener that will not relay a connection tells the client why, since it cannot
 * answer in HTTP.
 */
public final class TlsAlert {

    /** handshake_failure: the site is in maintenance (or no server can take it). */
    public static final int HANDSHAKE_FAILURE = 40;
    /** internal_error: the proxy could not reach a server for the site. */
    public static final int INTERNAL_ERROR = 80;
    /** unrecognized_name: the SNI is not a valid host name. */
    public static final int UNRECOGNIZED_NAME = 112;

    private TlsAlert() {
    }

    /** The 7 bytes of a fatal alert record: type 21, TLS 1.2 record version, length 2, level 2, description. */
    public static ByteBuf fatal(ByteBufAllocator alloc, int description) {
        return alloc.buffer(7).writeByte(21).writeByte(3).writeByte(3).writeShort(2).writeByte(2)
                .writeByte(description);
    }
}

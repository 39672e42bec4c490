package io.predictor.core.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

/**
 * First handler of a TLS passthrough listener: reads the ClientHello's SNI without terminating
 * TLS (Netty's {@link AbstractSniHandler} gathers the ClientHello, bounded by
 * {@code maxClientHelloLength} and {@code timeoutMillis}; {@link #serverName} reads the name),
 * fires a {@link Sni} event with the name (null: none sent; empty: none usable), then removes
 * itself so that every byte it held goes on, unchanged, to the relay behind it. Input that is not
 * a TLS ClientHello closes the connection.
 */
public final class ClientHelloSni extends AbstractSniHandler<String> {

    /** The SNI of a ClientHello (null when the client sent none). */
    public record Sni(String hostname) {
    }

    private boolean notClientHello;

    public ClientHelloSni(int maxClientHelloLength, long timeoutMillis) {
        super(maxClientHelloLength, timeoutMillis);
    }

    @Override
    protected Future<String> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) throws Exception {
        notClientHello = clientHello == null;
        return lookup(ctx, clientHello == null ? null : serverName(clientHello));
    }

    /** What {@link #serverName} answers for a server_name extension without a usable host_name. */
    public static final String UNUSABLE = "";

    /**
     * The host_name of the ClientHello body {@code in} (from its client_version on), lower case;
     * null when it has no server_name extension; {@link #UNUSABLE} when it has one whose list is
     * malformed or names no host. Entries of other name types are passed over, as RFC 6066 §3
     * lets a server do (each begins with its length) and as JDK and Go origins do: Netty's parser
     * stopped at the first of them and reported "no SNI", so a ClientHello that named a site in
     * maintenance after such an entry was routed by {@code routing.default} while its origin
     * completed the handshake for the named site (found by review).
     */
    static String serverName(ByteBuf in) {
        int p = in.readerIndex();
        int end = in.writerIndex();
        p += 2 + 32; // client_version, random
        if (p + 1 > end) {
            return null;
        }
        p += 1 + in.getUnsignedByte(p); // session_id
        if (p + 2 > end) {
            return null;
        }
        p += 2 + in.getUnsignedShort(p); // cipher_suites
        if (p + 1 > end) {
            return null;
        }
        p += 1 + in.getUnsignedByte(p); // compression_methods
        if (p + 2 > end) {
            return null; // no extensions
        }
        int extensionsEnd = p + 2 + in.getUnsignedShort(p);
        p += 2;
        if (extensionsEnd > end) {
            return null;
        }
        while (p + 4 <= extensionsEnd) {
            int type = in.getUnsignedShort(p);
            int length = in.getUnsignedShort(p + 2);
            p += 4;
            if (p + length > extensionsEnd) {
                return null;
            }
            if (type == 0) {
                return hostName(in, p, p + length);
            }
            p += length;
        }
        return null;
    }

    /** The first host_name of a server_name extension's data {@code [p, end)}, or {@link #UNUSABLE}. */
    private static String hostName(ByteBuf in, int p, int end) {
        if (p + 2 > end) {
            return UNUSABLE;
        }
        int listEnd = p + 2 + in.getUnsignedShort(p);
        p += 2;
        if (listEnd > end) {
            return UNUSABLE;
        }
        while (p + 3 <= listEnd) {
            int nameType = in.getUnsignedByte(p);
            int length = in.getUnsignedShort(p + 1);
            p += 3;
            if (p + length > listEnd) {
                return UNUSABLE;
            }
            if (nameType == 0) {
                return in.toString(p, length, java.nio.charset.StandardCharsets.ISO_8859_1)
                        .toLowerCase(java.util.Locale.ROOT);
            }
            p += length; // another name type: its length lets it be passed over
        }
        return UNUSABLE;
    }

    @Override
    protected Future<String> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(hostname);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<String> future) {
        if (notClientHello) {
            ctx.close();
            return;
        }
        // the name is the future's: the base class's own record of it is its parser's, not ours
        ctx.fireUserEventTriggered(new Sni(future.getNow()));
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // not TLS, a ClientHello over the bound, a reset
    }
}

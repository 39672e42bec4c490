package io.predictor.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.predictor.core.server.PoolSettings.ProxyProtocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, v1 text and v2 binary) the proxy sends
 * first on a connection to a pool that asks for it, so that its servers see the client's address.
 * Without both addresses, or with one IPv4 and one IPv6, it sends {@code PROXY UNKNOWN} (v1) or
 * the LOCAL command (v2), as the specification says.
 */
public final class ProxyHeader {

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeader() {
    }

    /** The header for {@code endpoints}, or null for {@link ProxyProtocol#NONE}. */
    public static ByteBuf encode(ByteBufAllocator alloc, ProxyProtocol version, ClientEndpoints endpoints) {
        InetSocketAddress src = endpoints == null ? null : endpoints.client();
        InetSocketAddress dst = endpoints == null ? null : endpoints.local();
        boolean known = src != null && dst != null && src.getAddress() != null && dst.getAddress() != null
                && (src.getAddress() instanceof Inet4Address) == (dst.getAddress() instanceof Inet4Address);
        switch (version) {
            case V1:
                return v1(alloc, known ? src : null, dst);
            case V2:
                return v2(alloc, known ? src : null, dst);
            default:
                return null;
        }
    }

    private static ByteBuf v1(ByteBufAllocator alloc, InetSocketAddress src, InetSocketAddress dst) {
        String line;
        if (src == null) {
            line = "PROXY UNKNOWN\r\n";
        } else {
            line = "PROXY " + (src.getAddress() instanceof Inet4Address ? "TCP4 " : "TCP6 ")
                    + src.getAddress().getHostAddress() + " " + dst.getAddress().getHostAddress() + " "
                    + src.getPort() + " " + dst.getPort() + "\r\n";
        }
        byte[] b = line.getBytes(StandardCharsets.US_ASCII);
        return alloc.buffer(b.length).writeBytes(b);
    }

    private static ByteBuf v2(ByteBufAllocator alloc, InetSocketAddress src, InetSocketAddress dst) {
        ByteBuf out = alloc.buffer(16 + 36);
        out.writeBytes(V2_SIGNATURE);
        if (src == null) {
            out.writeByte(0x20); // version 2, LOCAL
            out.writeByte(0x00); // UNSPEC
            out.writeShort(0);
            return out;
        }
        out.writeByte(0x21); // version 2, PROXY
        InetAddress s = src.getAddress();
        boolean v4 = s instanceof Inet4Address;
        out.writeByte(v4 ? 0x11 : 0x21); // TCP over IPv4 / IPv6
        out.writeShort(v4 ? 12 : 36);
        out.writeBytes(raw(s, v4));
        out.writeBytes(raw(dst.getAddress(), v4));
        out.writeShort(src.getPort());
        out.writeShort(dst.getPort());
        return out;
    }

    private static byte[] raw(InetAddress a, boolean v4) {
        byte[] b = a.getAddress();
        if (!v4 && a instanceof Inet4Address) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(b, 0, mapped, 12, 4);
            return mapped;
        }
        if (v4 && a instanceof Inet6Address) {
            throw new IllegalArgumentException("mixed address families");
        }
        return b;
    }
}

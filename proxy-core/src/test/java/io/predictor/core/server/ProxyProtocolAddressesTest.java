package io.predictor.core.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.predictor.core.upstream.ClientEndpoints;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PROXY v1 addresses the spec forbids (an IPv6 scope, IPv4 heading zeroes) are refused (from a review; failed before). */
class ProxyProtocolAddressesTest {

    static String run(byte[]... segments) {
        List<String> events = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder(),
                new ProxyProtocolReader(10_000), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        events.add("active " + ctx.channel().attr(ClientEndpoints.ATTRIBUTE).get());
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        events.add("bytes " + b.toString(StandardCharsets.ISO_8859_1));
                        b.release();
                    }
                });
        try {
            for (byte[] s : segments) {
                ch.writeInbound(Unpooled.wrappedBuffer(s));
            }
        } catch (Exception e) {
            events.add("exception " + e);
        }
        events.add(ch.isActive() ? "open" : "closed");
        ch.finishAndReleaseAll();
        return String.join(" | ", events);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Netty's v1 check lets an IPv6 scope through ("fe80::1%bogus0"); the JDK cannot make an
     * address of an unknown scope, {@code address()} returns null, and the header is accepted with
     * no client at all (X-Forwarded-For and the log say "unknown"). proxy-protocol.txt 2.1: the
     * address is an IPv6 address in its standard form; HAProxy (inet_pton) refuses the header.
     */
    @Test
    void aV1SourceWithAScopeTheJdkCannotResolveIsRefusedNotTurnedIntoNoClient() {
        String r = run(ascii("PROXY TCP6 fe80::1%bogus0 ::1 51000 80\r\nGET"));
        if (r.contains("client=null")) {
            fail("header accepted, client address dropped: " + r);
        }
    }

    /**
     * A numeric scope ("fe80::1%99") is kept in the client's address, and so goes out in the
     * PROXY v1 header sent to a pool ("PROXY TCP6 fe80:0:0:0:0:0:0:1%99 ..."), which is not a
     * valid v1 address (proxy-protocol.txt 2.1) and which HAProxy refuses.
     */
    @Test
    void aScopedV1SourceDoesNotLeakIntoTheHeaderSentOn() {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder(), new ProxyProtocolReader(10_000));
        ch.writeInbound(Unpooled.wrappedBuffer(ascii("PROXY TCP6 fe80::1%99 ::1 51000 80\r\n")));
        ClientEndpoints e = ch.attr(ClientEndpoints.ATTRIBUTE).get();
        ch.finishAndReleaseAll();
        if (e == null) {
            return; // refused: fine
        }
        ByteBuf out = io.predictor.core.upstream.ProxyHeader.encode(io.netty.buffer.ByteBufAllocator.DEFAULT,
                PoolSettings.ProxyProtocol.V1, e);
        String line = out.toString(StandardCharsets.US_ASCII);
        out.release();
        assertTrue(!line.contains("%"), "PROXY header sent on: " + line.trim());
    }

    /**
     * proxy-protocol.txt 2.1: IPv4 addresses are "exactly 4 integers ... in decimal ... Heading
     * zeroes are not permitted in front of numbers in order to avoid any possible confusion with
     * octal numbers". "010.0.0.1" (10.0.0.1 in decimal, 8.0.0.1 in octal) must be refused.
     */
    @Test
    void aV1AddressWithHeadingZeroesIsRefused() {
        String r = run(ascii("PROXY TCP4 010.0.0.1 192.0.2.1 51000 80\r\nGET"));
        assertTrue(!r.contains("active"), "header accepted: " + r);
    }


    static byte[][] split(byte[] b) {
        byte[][] out = new byte[b.length][];
        for (int i = 0; i < b.length; i++) {
            out[i] = new byte[] {b[i]};
        }
        return out;
    }

    static byte[] addr4() {
        return new byte[] {(byte) 198, 51, 100, 9, (byte) 192, 0, 2, 1, (byte) 0x9c, 0x40, 0x01, (byte) 0xbb};
    }

    static byte[] v2(byte[] sig, int verCmd, int fam, int len, byte[] addr, byte[] tlv, String rest) {
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(sig).writeByte(verCmd).writeByte(fam).writeShort(len).writeBytes(addr).writeBytes(tlv)
                .writeBytes(ascii(rest));
        byte[] a = new byte[b.readableBytes()];
        b.readBytes(a);
        return a;
    }
}

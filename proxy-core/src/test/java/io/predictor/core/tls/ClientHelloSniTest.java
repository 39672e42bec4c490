package io.predictor.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

public class ClientHelloSniTest {

    /** A real ClientHello (one TLS record) naming {@code sni}. */
    public static byte[] clientHello(String sni) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, null, null);
        SSLEngine e = c.createSSLEngine("x", 443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        e.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(65536);
        e.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return b;
    }

    /** The handshake message of a one-record ClientHello re-cut into records of the given sizes. */
    static byte[] refragment(byte[] record, int... sizes) {
        int len = ((record[3] & 0xff) << 8) | (record[4] & 0xff);
        assertEquals(record.length, len + 5);
        ByteBuf out = Unpooled.buffer();
        int off = 5;
        int i = 0;
        while (off < record.length) {
            int n = i < sizes.length ? Math.min(sizes[i++], record.length - off) : record.length - off;
            out.writeByte(22).writeByte(3).writeByte(1).writeShort(n).writeBytes(record, off, n);
            off += n;
        }
        byte[] b = new byte[out.readableBytes()];
        out.readBytes(b);
        return b;
    }

    static List<Object> run(byte[]... segments) {
        List<Object> events = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new ClientHelloSni(16 * 1024, 10_000), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ClientHelloSni.Sni s) {
                    events.add(s.hostname() == null ? "<none>" : s.hostname());
                }
            }
        });
        for (byte[] s : segments) {
            ch.writeInbound(Unpooled.wrappedBuffer(s));
        }
        if (!ch.isActive()) {
            events.add("<closed>");
        }
        ch.finishAndReleaseAll();
        return events;
    }

    @Test
    void oneRecord() throws Exception {
        assertEquals(List.of("www.example.com"), run(clientHello("www.example.com")));
    }

    @Test
    void splitAcrossTcpSegments() throws Exception {
        byte[] h = clientHello("www.example.com");
        for (int cut = 1; cut < h.length; cut += 7) {
            byte[] a = java.util.Arrays.copyOfRange(h, 0, cut);
            byte[] b = java.util.Arrays.copyOfRange(h, cut, h.length);
            assertEquals(List.of("www.example.com"), run(a, b), "cut at " + cut);
        }
    }

    @Test
    void splitAcrossRecordsInsideTheSni() throws Exception {
        byte[] h = clientHello("www.example.com");
        assertEquals(List.of("www.example.com"), run(refragment(h, 100)));
    }

    /** RFC 8446 §5.1 allows a handshake message in records of any non-zero size. */
    @Test
    void splitAcrossRecordsBeforeTheHandshakeHeaderIsWhole() throws Exception {
        byte[] h = clientHello("www.example.com");
        for (int first = 1; first <= 4; first++) {
            assertEquals(List.of("www.example.com"), run(refragment(h, first)), "first record of " + first + " bytes");
        }
    }
}

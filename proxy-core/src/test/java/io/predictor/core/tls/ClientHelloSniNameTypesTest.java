package io.predictor.core.tls;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which name the passthrough SNI reader picks from hand-made ClientHellos: other name types passed over (from a review; failed before). */
public class ClientHelloSniNameTypesTest {

    /** One-record ClientHello whose server_name extension carries {@code serverNameList} (the list, without its length). */
    public static byte[] clientHello(byte[] serverNameList) {
        ByteBuf ext = Unpooled.buffer();
        ext.writeShort(0).writeShort(serverNameList.length + 2).writeShort(serverNameList.length).writeBytes(serverNameList);
        ByteBuf body = Unpooled.buffer();
        body.writeShort(0x0303).writeBytes(new byte[32]).writeByte(0) // version, random, session id
                .writeShort(2).writeShort(0x1301) // cipher suites
                .writeByte(1).writeByte(0) // compression
                .writeShort(ext.readableBytes()).writeBytes(ext);
        ByteBuf hs = Unpooled.buffer();
        hs.writeByte(1).writeMedium(body.readableBytes()).writeBytes(body);
        ByteBuf rec = Unpooled.buffer();
        rec.writeByte(22).writeShort(0x0301).writeShort(hs.readableBytes()).writeBytes(hs);
        byte[] b = new byte[rec.readableBytes()];
        rec.readBytes(b);
        return b;
    }

    public static byte[] entry(int type, String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer();
        b.writeByte(type).writeShort(n.length).writeBytes(n);
        byte[] a = new byte[b.readableBytes()];
        b.readBytes(a);
        return a;
    }

    static byte[] concat(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        byte[] a = new byte[b.readableBytes()];
        b.readBytes(a);
        return a;
    }

    @Test
    void sanityOneHostName() {
        List<Object> r = ClientHelloSniTest.run(clientHello(entry(0, "www.example.com")));
        assertTrue(r.equals(List.of("www.example.com")), r.toString());
    }

    /**
     * RFC 6066 section 3: a NameType other than host_name is one a future spec may define, and "all
     * future data structures associated with new NameTypes MUST begin with a 16-bit length field",
     * so it can be skipped; the JDK's and Go's TLS servers skip it and serve the host_name that
     * follows. The reader stops at the unknown type and reports "no SNI": the connection, which
     * names down.example.org to the origin, is routed by routing.default instead of by the site
     * (a site in maintenance is reached; a migrated one is sent to legacy). It must either read
     * the host_name or refuse the connection.
     */
    @Test
    void aHostNameAfterAnEntryOfAnotherTypeIsNotTakenForNoSni() {
        List<Object> r = ClientHelloSniTest.run(clientHello(concat(entry(1, "x"), entry(0, "down.example.org"))));
        assertTrue(r.equals(List.of("down.example.org")) || r.equals(List.of("<closed>")),
                "a ClientHello naming down.example.org was reported as " + r);
    }


    @Test
    void aPartialClientHelloTimesOut() throws Exception {
        byte[] h = ClientHelloSniTest.clientHello("www.example.com");
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel(
                new ClientHelloSni(16 * 1024, 100));
        ch.writeInbound(Unpooled.wrappedBuffer(java.util.Arrays.copyOf(h, 20)));
        Thread.sleep(300);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        assertTrue(!ch.isActive(), "still open after the ClientHello timeout");
        ch.finishAndReleaseAll();
    }
}

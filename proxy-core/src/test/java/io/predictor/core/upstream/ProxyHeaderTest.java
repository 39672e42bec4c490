package io.predictor.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.predictor.core.server.PoolSettings.ProxyProtocol;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The PROXY headers the proxy sends, read back by Netty's decoder (an independent implementation). */
class ProxyHeaderTest {

    static final ClientEndpoints V4 = new ClientEndpoints(new InetSocketAddress("203.0.113.7", 51000),
            new InetSocketAddress("192.0.2.1", 443));
    static final ClientEndpoints V6 = new ClientEndpoints(new InetSocketAddress("2001:db8::7", 51000),
            new InetSocketAddress("2001:db8::1", 443));

    @Test
    void v1NamesBothEndsInText() {
        ByteBuf h = ProxyHeader.encode(UnpooledByteBufAllocator.DEFAULT, ProxyProtocol.V1, V4);
        assertThat(h.toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY TCP4 203.0.113.7 192.0.2.1 51000 443\r\n");
        HAProxyMessage m = decode(h);
        assertThat(m.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V1);
        assertThat(m.sourceAddress()).isEqualTo("203.0.113.7");
        m.release();
    }

    @Test
    void v2CarriesIpv4AndIpv6() {
        HAProxyMessage m = decode(ProxyHeader.encode(UnpooledByteBufAllocator.DEFAULT, ProxyProtocol.V2, V4));
        assertThat(m.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
        assertThat(m.command()).isEqualTo(HAProxyCommand.PROXY);
        assertThat(m.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
        assertThat(m.sourceAddress()).isEqualTo("203.0.113.7");
        assertThat(m.destinationPort()).isEqualTo(443);
        m.release();
        m = decode(ProxyHeader.encode(UnpooledByteBufAllocator.DEFAULT, ProxyProtocol.V2, V6));
        assertThat(m.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
        assertThat(m.sourcePort()).isEqualTo(51000);
        m.release();
    }

    @Test
    void unknownOrMixedEndpointsSayUnknownOrLocal() {
        ClientEndpoints mixed = new ClientEndpoints(V4.client(), V6.local());
        ByteBuf v1 = ProxyHeader.encode(UnpooledByteBufAllocator.DEFAULT, ProxyProtocol.V1, mixed);
        assertThat(v1.toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY UNKNOWN\r\n");
        v1.release();
        HAProxyMessage m = decode(ProxyHeader.encode(UnpooledByteBufAllocator.DEFAULT, ProxyProtocol.V2, null));
        assertThat(m.command()).isEqualTo(HAProxyCommand.LOCAL);
        m.release();
        assertThat(ProxyHeader.encode(UnpooledByteBufAllocator.DEFAULT, ProxyProtocol.NONE, V4)).isNull();
    }

    private static HAProxyMessage decode(ByteBuf header) {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        ch.writeInbound(header);
        HAProxyMessage m = ch.readInbound();
        ch.finishAndReleaseAll();
        return m;
    }
}

package io.predictor.core.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.internal.tcnative.Buffer;
import io.netty.internal.tcnative.SSL;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;

/**
 * How the proxy's server-side TLS contexts are made: BoringSSL (netty-tcnative) where it loads,
 * the JDK's engine otherwise; TLS 1.2 and 1.3 only, with HTTP/2's cipher list for 1.2
 * (RFC 9113 §9.2.2); ALPN {@code h2} then {@code http/1.1}; session resumption on (a session
 * cache, and tickets, which both engines issue by default).
 *
 * <p>BoringSSL's contexts are the reference-counted kind ({@code OPENSSL_REFCNT}): the
 * {@link ContextCache} releases a context it drops and each connection's engine holds it while
 * it lives, so a dropped context's native memory is freed when its last connection ends rather
 * than at some later full collection.
 */
public final class TlsContexts {

    /** Sessions kept per certificate for resumption. */
    static final long SESSION_CACHE_SIZE = 20_000;
    /** How long a session may be resumed. */
    static final long SESSION_TIMEOUT_SECONDS = 300;

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private TlsContexts() {
    }

    /** The engine in use: {@code openssl} (BoringSSL) or {@code jdk}. */
    public static String engineName() {
        return provider() == SslProvider.JDK ? "jdk" : "openssl";
    }

    static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK;
    }

    /**
     * The trust manager of contexts that never ask for a client certificate: it names no
     * accepted issuer and trusts no peer.
     */
    private static final class NoClientCertificates implements X509TrustManager {
        static final NoClientCertificates INSTANCE = new NoClientCertificates();
        private static final X509Certificate[] NONE = new X509Certificate[0];

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not accepted");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a server context verifies no server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return NONE;
        }
    }

    /**
     * A server context for one certificate, offering h2 and http/1.1 by ALPN; the caller owns
     * one reference (release it when dropping the context). Refused ({@link SSLException}) when
     * the engine cannot use the key.
     */
    static SslContext server(PrivateKey key, X509Certificate[] chain) throws SSLException {
        if (provider() != SslProvider.JDK) {
            checkKeyWithBoringSsl(key);
        }
        return SslContextBuilder.forServer(key, chain)
                .sslProvider(provider())
                // How the pair reaches the engine is an in-memory key store: JKS, not the JDK's
                // default PKCS12, whose key protection (PBKDF2, once to store, once to read back)
                // cost ~5 ms a certificate on the benchmark VM, for a store that is never written out.
                .keyStoreType("JKS")
                // No client certificate is ever asked for (client auth NONE). Without a trust
                // manager of its own, Netty gives each context the JDK's default one, and BoringSSL
                // is handed its ~140 CA certificates as accepted issuers: ~15 ms and a parsed CA
                // list per certificate, so 10,000 certificates took minutes to load.
                .trustManager(NoClientCertificates.INSTANCE)
                .protocols(PROTOCOLS)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(SESSION_CACHE_SIZE)
                .sessionTimeout(SESSION_TIMEOUT_SECONDS)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    /**
     * BoringSSL's own parse of the key, which Netty's non-counted context runs when it is built
     * and the reference-counted one leaves to the first handshake. It refuses what the
     * public-part comparison of {@link PemFiles#checkPair} cannot see, such as an EC key whose
     * public point is not its own: such a pair must be refused when its context is built, not
     * fail every handshake.
     */
    private static void checkKeyWithBoringSsl(PrivateKey key) throws SSLException {
        byte[] pem = ("-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n").getBytes(StandardCharsets.US_ASCII);
        // freed here, not by a cleaner after some collection: under churn this runs hundreds of times a second
        ByteBuf direct = Unpooled.directBuffer(pem.length).writeBytes(pem);
        long bio = 0;
        long parsed = 0;
        try {
            bio = SSL.newMemBIO();
            long address = direct.hasMemoryAddress() ? direct.memoryAddress() : Buffer.address(direct.nioBuffer());
            SSL.bioWrite(bio, address, pem.length);
            parsed = SSL.parsePrivateKey(bio, null);
        } catch (Exception e) {
            throw new SSLException("BoringSSL cannot use the key (" + e.getMessage() + ")", e);
        } finally {
            if (parsed != 0) {
                SSL.freePrivateKey(parsed);
            }
            if (bio != 0) {
                SSL.freeBIO(bio);
            }
            direct.release();
        }
    }
}

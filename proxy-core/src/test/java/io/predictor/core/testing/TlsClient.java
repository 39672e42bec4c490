package io.predictor.core.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** JDK TLS client sockets with a chosen SNI and ALPN list, connected and handshaken. */
public final class TlsClient {

    private TlsClient() {
    }

    /** @param sni the server name to send, or null for none */
    public static SSLSocket connect(SSLContext context, InetSocketAddress address, String sni, String... alpn)
            throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(address.getAddress(), address.getPort());
        s.setSoTimeout(15_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        if (alpn.length > 0) {
            p.setApplicationProtocols(alpn);
        }
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    /** The certificate the server presented. */
    public static X509Certificate leaf(SSLSocket s) throws IOException {
        return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }

    /** The leaf's subject CN (the test certificates put their first DNS name there). */
    public static String subjectName(SSLSocket s) throws IOException {
        String dn = leaf(s).getSubjectX500Principal().getName();
        return dn.startsWith("CN=") ? dn.substring(3).split(",")[0] : dn;
    }
}

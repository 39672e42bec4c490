package io.predictor.core.tls;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which certificate a TLS connection gets for the name in its SNI: the certificate that names
 * it exactly, else one whose wildcard covers it (one label, RFC 6125), else the default. A pure
 * value built once per (re)load and read without locks. When two certificates claim one name,
 * the one that expires last wins, so a renewed certificate can be dropped in beside the old one.
 */
final class CertificateTable {

    private final Map<String, ServerCertificate> exact;
    /** Keyed by the suffix after {@code *.}. */
    private final Map<String, ServerCertificate> wildcard;
    private final ServerCertificate defaultCertificate;
    private final List<ServerCertificate> all;

    CertificateTable(List<ServerCertificate> certificates, ServerCertificate defaultCertificate) {
        Map<String, ServerCertificate> e = new HashMap<>();
        Map<String, ServerCertificate> w = new HashMap<>();
        for (ServerCertificate c : certificates) {
            for (String n : c.dnsNames()) {
                if (n.startsWith("*.")) {
                    w.merge(n.substring(2), c, CertificateTable::laterExpiry);
                } else {
                    e.merge(n, c, CertificateTable::laterExpiry);
                }
            }
        }
        this.exact = Map.copyOf(e);
        this.wildcard = Map.copyOf(w);
        this.defaultCertificate = defaultCertificate;
        this.all = List.copyOf(certificates);
    }

    private static ServerCertificate laterExpiry(ServerCertificate a, ServerCertificate b) {
        return b.notAfter().isAfter(a.notAfter()) ? b : a;
    }

    /** The certificate for an SNI name (lower case, no trailing dot), or the default for null/unknown. */
    ServerCertificate select(String sni) {
        if (sni == null || sni.isEmpty()) {
            return defaultCertificate;
        }
        ServerCertificate c = exact.get(sni);
        if (c != null) {
            return c;
        }
        int dot = sni.indexOf('.');
        if (dot > 0) {
            c = wildcard.get(sni.substring(dot + 1));
            if (c != null) {
                return c;
            }
        }
        return defaultCertificate;
    }

    ServerCertificate defaultCertificate() {
        return defaultCertificate;
    }

    List<ServerCertificate> certificates() {
        return all;
    }

    boolean isEmpty() {
        return all.isEmpty();
    }
}

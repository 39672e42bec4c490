package io.predictor.core.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Reads the PEM files of a certificate directory: a chain ({@code NAME.crt}, leaf first) and an
 * unencrypted private key ({@code NAME.key}: PKCS#8 {@code BEGIN PRIVATE KEY}, RSA, EC or
 * Ed25519; PKCS#1 {@code BEGIN RSA PRIVATE KEY}; or SEC1 {@code BEGIN EC PRIVATE KEY}, which
 * {@code openssl ecparam -genkey} writes after an {@code EC PARAMETERS} block, skipped here).
 * Every failure is an {@link IllegalArgumentException} whose message says what to do.
 */
final class PemFiles {

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";

    private PemFiles() {
    }

    static X509Certificate[] chain(byte[] pem) {
        Collection<? extends Certificate> certs;
        try {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(certificateBlocks(pem)));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate chain (" + e.getMessage() + ")");
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("no certificate in the file; expected -----BEGIN CERTIFICATE----- blocks,"
                    + " the server's certificate first");
        }
        return certs.stream().map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
    }

    /**
     * The file's CERTIFICATE blocks alone: a combined file (HAProxy's {@code crt}: the chain and
     * the key in one) was refused as "not a PEM certificate chain" (found by review). The text
     * as it is when it holds no such block, for the factory's own message.
     */
    private static byte[] certificateBlocks(byte[] pem) {
        String text = new String(pem, StandardCharsets.US_ASCII);
        String begin = BEGIN + "CERTIFICATE-----";
        String end = END + "CERTIFICATE-----";
        StringBuilder out = new StringBuilder(text.length());
        for (int at = text.indexOf(begin); at >= 0; at = text.indexOf(begin, at)) {
            int stop = text.indexOf(end, at);
            if (stop < 0) {
                out.append(text, at, text.length()); // unfinished: the factory says what is wrong
                break;
            }
            out.append(text, at, stop + end.length()).append('\n');
            at = stop + end.length();
        }
        return out.length() == 0 ? pem : out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static PrivateKey privateKey(byte[] pem) {
        String text = new String(pem, StandardCharsets.US_ASCII);
        int begin = text.indexOf(BEGIN);
        String type;
        int typeEnd;
        int end;
        while (true) {
            if (begin < 0) {
                throw new IllegalArgumentException("no private key block; expected -----BEGIN PRIVATE KEY-----");
            }
            typeEnd = text.indexOf("-----", begin + BEGIN.length());
            if (typeEnd < 0) {
                throw new IllegalArgumentException("a PEM BEGIN line without its closing dashes");
            }
            type = text.substring(begin + BEGIN.length(), typeEnd);
            end = text.indexOf(END + type, typeEnd);
            if (end < 0) {
                throw new IllegalArgumentException("the PEM block " + type + " has no END line");
            }
            if (type.endsWith("PRIVATE KEY")) {
                break;
            }
            // any other block goes by: openssl ecparam -genkey writes the curve's name in a block
            // of its own before the key (which names its curve again), and a combined file has
            // the certificates before it (found by review)
            begin = text.indexOf(BEGIN, end + END.length());
        }
        if (text.substring(typeEnd, end).contains("Proc-Type: 4,ENCRYPTED") || type.startsWith("ENCRYPTED")) {
            throw new IllegalArgumentException("the key is encrypted; the proxy reads unencrypted keys only"
                    + " (openssl pkcs8 -topk8 -nocrypt -in KEY -out NAME.key)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(typeEnd + 5, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM block " + type + " is not valid base64");
        }
        switch (type) {
            case "PRIVATE KEY":
                return pkcs8(der);
            case "RSA PRIVATE KEY":
                return pkcs8(rsaPkcs1ToPkcs8(der));
            case "EC PRIVATE KEY":
                return pkcs8(ecSec1ToPkcs8(der));
            default:
                throw new IllegalArgumentException("unsupported key block " + type + "; expected PRIVATE KEY (PKCS#8),"
                        + " RSA PRIVATE KEY or EC PRIVATE KEY (convert with: openssl pkcs8 -topk8 -nocrypt -in KEY"
                        + " -out NAME.key)");
        }
    }

    private static PrivateKey pkcs8(byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("the key is not an RSA, EC or Ed25519 PKCS#8 key");
    }

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (RFC 5208) with the rsaEncryption algorithm. */
    private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
            0x01, 0x01, 0x05, 0x00};
        return privateKeyInfo(algorithm, pkcs1);
    }

    /**
     * Wraps a SEC1 ECPrivateKey (RFC 5915) in a PKCS#8 PrivateKeyInfo whose algorithm is
     * id-ecPublicKey with the curve the key names in its {@code [0] parameters}; the key goes in
     * whole, its public point included, so that {@link #checkPair} can compare the point.
     */
    private static byte[] ecSec1ToPkcs8(byte[] sec1) {
        byte[] curve = Der.ecNamedCurve(sec1);
        if (curve == null) {
            throw new IllegalArgumentException("the EC PRIVATE KEY names no curve (or is not an RFC 5915 ECPrivateKey);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out NAME.key");
        }
        ByteArrayOutputStream algorithm = new ByteArrayOutputStream();
        algorithm.writeBytes(new byte[] {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01});
        algorithm.writeBytes(curve);
        return privateKeyInfo(sequence(algorithm), sec1);
    }

    /** PrivateKeyInfo (RFC 5208): {version 0, algorithm, privateKey OCTET STRING}. */
    private static byte[] privateKeyInfo(byte[] algorithm, byte[] privateKey) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.write(0x04);
        writeLength(body, privateKey.length);
        body.writeBytes(privateKey);
        return sequence(body);
    }

    /** A DER SEQUENCE of {@code contents}. */
    private static byte[] sequence(ByteArrayOutputStream contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        writeLength(out, contents.size());
        out.writeBytes(contents.toByteArray());
        return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
    }

    /**
     * Checks that the key belongs to the certificate. When the key carries its public part —
     * an RSA key its modulus and public exponent, an EC key its public point (RFC 5915's
     * optional field, which OpenSSL and most tools write) — and that equals the certificate's,
     * the pair belongs together; otherwise a challenge is signed with the key and verified with
     * the certificate, which decides. The comparison is what makes loading thousands of
     * certificates fast: JDK 17 signs and verifies P-256 in Java, ~8 ms a pair on the benchmark
     * VM, against microseconds to compare. A key whose embedded point is not its own (a
     * hand-made or damaged file) passes the comparison; BoringSSL refuses it when the context
     * is made, as it checks the point against the scalar when it parses the key.
     */
    static void checkPair(X509Certificate leaf, PrivateKey key) {
        if (!publicPartsMatch(leaf.getPublicKey(), key)) {
            signAndVerify(leaf, key);
        }
    }

    /** Whether the key carries a public part equal to {@code certified}'s; false when it carries none or another. */
    static boolean publicPartsMatch(PublicKey certified, PrivateKey key) {
        if (key instanceof RSAPrivateCrtKey rsa && certified instanceof RSAPublicKey pub) {
            return rsa.getModulus().equals(pub.getModulus()) && rsa.getPublicExponent().equals(pub.getPublicExponent());
        }
        if (key instanceof ECPrivateKey ec && certified instanceof ECPublicKey pub
                && ec.getParams().getCurve().equals(pub.getParams().getCurve())) {
            byte[] point = Der.ecPublicPoint(key.getEncoded());
            return point != null && Arrays.equals(point, Der.subjectPublicKey(certified.getEncoded()));
        }
        return false;
    }

    /** Signs a challenge with the key and verifies it with the certificate: the pair belongs together. */
    private static void signAndVerify(X509Certificate leaf, PrivateKey key) {
        String algorithm;
        switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA":
                algorithm = "SHA256withRSA";
                break;
            case "EC":
                algorithm = "SHA256withECDSA";
                break;
            case "ED25519":
            case "EDDSA":
                algorithm = "Ed25519";
                break;
            default:
                throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
        }
        byte[] challenge = "predictor certificate check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException("the key does not belong to the certificate");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the key does not belong to the certificate (" + e.getMessage() + ")");
        }
    }

    /**
     * Just enough DER to find two BIT STRINGs: the public point in an EC key's PKCS#8 encoding
     * and the key in a certificate's SubjectPublicKeyInfo. Anything unexpected answers null
     * (the caller then signs and verifies instead).
     */
    static final class Der {
        private final byte[] b;
        private int pos;
        private final int end;

        private Der(byte[] b, int from, int end) {
            this.b = b;
            this.pos = from;
            this.end = end;
        }

        /**
         * PrivateKeyInfo (RFC 5208) {version, algorithm, privateKey OCTET STRING}, whose octets
         * are ECPrivateKey (RFC 5915) {version, privateKey, [0] parameters, [1] publicKey}.
         */
        static byte[] ecPublicPoint(byte[] pkcs8) {
            try {
                Der info = new Der(pkcs8, 0, pkcs8.length).inside(0x30);
                info.skip(0x02);
                info.skip(0x30);
                Der ec = info.inside(0x04).inside(0x30);
                ec.skip(0x02);
                ec.skip(0x04);
                while (ec.pos < ec.end) {
                    if ((ec.b[ec.pos] & 0xff) == 0xa1) {
                        return ec.inside(0xa1).bits();
                    }
                    ec.skip(ec.b[ec.pos] & 0xff);
                }
                return null;
            } catch (IllegalStateException e) {
                return null; // not the layout looked for: the signature check decides
            }
        }

        /**
         * The curve's OBJECT IDENTIFIER, whole (tag, length, contents), from a SEC1 ECPrivateKey
         * (RFC 5915) {version 1, privateKey, [0] parameters, [1] publicKey}; null when it names
         * none (explicit curve parameters included: RFC 5480 allows named curves only).
         */
        static byte[] ecNamedCurve(byte[] sec1) {
            try {
                Der ec = new Der(sec1, 0, sec1.length).inside(0x30);
                Der version = ec.inside(0x02);
                if (version.end - version.pos != 1 || version.b[version.pos] != 1) {
                    return null;
                }
                ec.skip(0x04);
                if (ec.pos < ec.end && (ec.b[ec.pos] & 0xff) == 0xa0) {
                    Der parameters = ec.inside(0xa0);
                    int start = parameters.pos;
                    parameters.skip(0x06);
                    return Arrays.copyOfRange(parameters.b, start, parameters.pos);
                }
                return null;
            } catch (IllegalStateException e) {
                return null;
            }
        }

        /** SubjectPublicKeyInfo (RFC 5280) {algorithm, subjectPublicKey BIT STRING}. */
        static byte[] subjectPublicKey(byte[] spki) {
            try {
                Der info = new Der(spki, 0, spki.length).inside(0x30);
                info.skip(0x30);
                return info.bits();
            } catch (IllegalStateException e) {
                return null;
            }
        }

        /** The contents of the next element, which must have {@code tag}; this reader moves past it. */
        private Der inside(int tag) {
            int contentEnd = header(tag);
            Der inner = new Der(b, pos, contentEnd);
            pos = contentEnd;
            return inner;
        }

        private void skip(int tag) {
            pos = header(tag);
        }

        /** A BIT STRING's bits, whole bytes only. */
        private byte[] bits() {
            Der s = inside(0x03);
            if (s.pos >= s.end || s.b[s.pos] != 0) {
                throw new IllegalStateException("unused bits");
            }
            return Arrays.copyOfRange(s.b, s.pos + 1, s.end);
        }

        /** Reads a tag and a definite length; moves to the contents and returns where they end. */
        private int header(int tag) {
            if (end - pos < 2 || (b[pos] & 0xff) != tag) {
                throw new IllegalStateException("expected tag " + tag);
            }
            int len = b[pos + 1] & 0xff;
            pos += 2;
            if (len > 0x80 && len <= 0x83) {
                int n = len - 0x80;
                if (end - pos < n) {
                    throw new IllegalStateException("length past the end");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = len << 8 | (b[pos++] & 0xff);
                }
            } else if (len >= 0x80) {
                throw new IllegalStateException("length form");
            }
            if (len > end - pos) {
                throw new IllegalStateException("length past the end");
            }
            return pos + len;
        }
    }

    /** The DNS subject alternative names (lower case), or the subject CN when there are none. */
    static List<String> dnsNames(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (((Integer) san.get(0)) == 2) {
                        names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("unreadable subject alternative names (" + e.getMessage() + ")");
        }
        if (names.isEmpty()) {
            String dn = leaf.getSubjectX500Principal().getName();
            for (String part : dn.split(",")) {
                if (part.startsWith("CN=")) {
                    names.add(part.substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        names.replaceAll(n -> n.endsWith(".") ? n.substring(0, n.length() - 1) : n);
        return names;
    }
}

package io.predictor.core.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority made at test time (EC P-256, valid for a day), and server
 * certificates it signs, written as the PEM pairs a TLS listener's directory holds. Everything
 * lives under {@code target/}: no key material is committed.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final KeyPair caKeys;
    private final X509Certificate ca;

    public TestCertificates(String caName) throws Exception {
        this.caKeys = keyPair();
        X500Name name = new X500Name("CN=" + caName);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(Instant.now().plus(Duration.ofDays(1))),
                name, caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.ca = sign(b, caKeys);
    }

    /** A fresh directory under target/ for a listener's certificates. */
    public static Path newDirectory(String label) throws IOException {
        Path base = Path.of("target", "test-certs");
        Files.createDirectories(base);
        return Files.createTempDirectory(base, label);
    }

    /** The certificate store of {@code directory}, its reports ignored (tests that are not about the store). */
    public static io.predictor.core.tls.CertificateStore quietStore(Path directory) throws IOException {
        return io.predictor.core.tls.CertificateStore.load(directory, new io.predictor.core.tls.CertificateStore.Listener() {
            @Override
            public void loaded(Path dir, java.util.List<io.predictor.core.tls.ServerCertificate> certificates,
                    String defaultName) {
            }

            @Override
            public void problem(Path file, String message) {
            }
        });
    }

    public X509Certificate ca() {
        return ca;
    }

    /** Writes {@code dir/name.crt} (leaf, then the CA) and {@code dir/name.key} for {@code dnsNames}. */
    public X509Certificate writePair(Path dir, String name, String... dnsNames) throws Exception {
        KeyPair keys = keyPair();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(Instant.now().plus(Duration.ofDays(1))),
                new X500Name("CN=" + dnsNames[0]), keys.getPublic());
        GeneralName[] sans = new GeneralName[dnsNames.length];
        for (int i = 0; i < dnsNames.length; i++) {
            sans[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        X509Certificate leaf = sign(b, caKeys);
        // written beside, then moved in: a watcher never sees half a file
        Path tmpCrt = Files.createTempFile(dir.getParent(), name, ".crt.tmp");
        Files.writeString(tmpCrt, pem("CERTIFICATE", leaf.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
        Path tmpKey = Files.createTempFile(dir.getParent(), name, ".key.tmp");
        Files.writeString(tmpKey, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        Files.move(tmpKey, dir.resolve(name + ".key"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmpCrt, dir.resolve(name + ".crt"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return leaf;
    }

    /** A server context (for an origin that terminates TLS itself) with a certificate for {@code dnsNames}. */
    public SSLContext serverContext(String... dnsNames) throws Exception {
        Path dir = newDirectory("origin");
        X509Certificate leaf = writePair(dir, "origin", dnsNames);
        PrivateKey key = readKey(dir.resolve("origin.key"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("origin", key, new char[0], new java.security.cert.Certificate[] {leaf, ca});
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
        return ctx;
    }

    /** A client context that trusts this CA only. */
    public SSLContext clientContext() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    /**
     * Rewrites {@code dir/name.key} as a key whose public point is not its own: the private scalar
     * of {@code dir/scalarFrom.key} with the point of {@code dir/name.crt}. The point matches the
     * certificate, so a comparison of public parts passes; BoringSSL refuses the key when it
     * parses it (a hand-made or damaged file).
     */
    public static void writeKeyWithForeignScalar(Path dir, String name, String scalarFrom) throws Exception {
        X509Certificate cert;
        try (java.io.InputStream in = Files.newInputStream(dir.resolve(name + ".crt"))) {
            cert = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        PrivateKey lying = withPublicPoint(readKey(dir.resolve(scalarFrom + ".key")), cert);
        Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", lying.getEncoded()));
    }

    /** The EC key as OpenSSL writes it: its ECPrivateKey (RFC 5915) carries {@code cert}'s public point. */
    public static PrivateKey withPublicPoint(PrivateKey key, X509Certificate cert) throws Exception {
        ECPrivateKey ec = (ECPrivateKey) key;
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded());
        PrivateKeyInfo jdk = PrivateKeyInfo.getInstance(key.getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey withPoint = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getS(),
                new DERBitString(spki.getPublicKeyData().getBytes()), null);
        byte[] pkcs8 = new PrivateKeyInfo(jdk.getPrivateKeyAlgorithm(), withPoint).getEncoded();
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    /** A PKCS#8 EC key file as {@link #writePair} writes it. */
    private static PrivateKey readKey(Path file) throws Exception {
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(
                Files.readString(file).replaceAll("-----[A-Z ]+-----", ""))));
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    static String pem(String type, byte[] der) {
        StringWriter w = new StringWriter();
        w.write("-----BEGIN " + type + "-----\n");
        w.write(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der));
        w.write("\n-----END " + type + "-----\n");
        return w.toString();
    }
}

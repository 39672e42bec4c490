package io.predictor.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.predictor.core.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The key-to-certificate check: by comparing the public part a key carries (RSA's modulus and
 * exponent, the EC point that OpenSSL writes into a key), else by signing and verifying.
 */
class PemFilesTest {

    static TestCertificates certs;

    @BeforeAll
    static void ca() throws Exception {
        certs = new TestCertificates("PemFilesTest CA");
    }

    @Test
    void anEcKeyCarryingItsPublicPointIsMatchedByComparingIt() throws Exception {
        Path dir = TestCertificates.newDirectory("pem");
        X509Certificate mine = certs.writePair(dir, "mine", "mine.test");
        X509Certificate other = certs.writePair(dir, "other", "other.test");
        PrivateKey key = TestCertificates.withPublicPoint(readKey(dir, "mine"), mine);

        assertThat(PemFiles.Der.ecPublicPoint(key.getEncoded())).as("the point travels with the key").isNotNull();
        assertThat(PemFiles.publicPartsMatch(mine.getPublicKey(), key)).isTrue();
        assertThat(PemFiles.publicPartsMatch(other.getPublicKey(), key)).isFalse();
        PemFiles.checkPair(mine, key);
        assertThatThrownBy(() -> PemFiles.checkPair(other, key)).hasMessageContaining("does not belong");
    }

    @Test
    void anEcKeyWithoutItsPublicPointIsCheckedBySigning() throws Exception {
        Path dir = TestCertificates.newDirectory("pem");
        X509Certificate mine = certs.writePair(dir, "mine", "mine.test");
        X509Certificate other = certs.writePair(dir, "other", "other.test");
        PrivateKey key = readKey(dir, "mine"); // the JDK writes EC keys without the point

        assertThat(PemFiles.Der.ecPublicPoint(key.getEncoded())).isNull();
        assertThat(PemFiles.publicPartsMatch(mine.getPublicKey(), key)).isFalse();
        PemFiles.checkPair(mine, key);
        assertThatThrownBy(() -> PemFiles.checkPair(other, key)).hasMessageContaining("does not belong");
    }

    @Test
    void aKeyWhosePointIsNotItsOwnIsRefusedByTheEngine() throws Exception {
        // a hand-made or damaged file: the scalar of one key, the point of another. The
        // comparison takes the point at its word; BoringSSL checks the key when it parses it
        // (the JDK's engine would fail that certificate's handshakes instead)
        assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), "BoringSSL (netty-tcnative) loads here");
        Path dir = TestCertificates.newDirectory("pem");
        X509Certificate mine = certs.writePair(dir, "mine", "mine.test");
        X509Certificate other = certs.writePair(dir, "other", "other.test");
        PrivateKey honest = TestCertificates.withPublicPoint(readKey(dir, "mine"), mine);
        PrivateKey lying = TestCertificates.withPublicPoint(readKey(dir, "mine"), other);
        io.netty.handler.ssl.SslContext consistent = TlsContexts.server(honest, new X509Certificate[] {mine});
        assertThat(consistent).as("the same layout, consistent").isNotNull();
        io.netty.util.ReferenceCountUtil.release(consistent);

        assertThat(PemFiles.publicPartsMatch(other.getPublicKey(), lying)).isTrue();
        assertThatThrownBy(() -> TlsContexts.server(lying, new X509Certificate[] {other}))
                .isInstanceOf(javax.net.ssl.SSLException.class);
    }

    @Test
    void anRsaKeyIsMatchedByItsModulusAndExponent() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair a = g.generateKeyPair();
        KeyPair b = g.generateKeyPair();

        assertThat(PemFiles.publicPartsMatch(a.getPublic(), a.getPrivate())).isTrue();
        assertThat(PemFiles.publicPartsMatch(b.getPublic(), a.getPrivate())).isFalse();
        assertThat(PemFiles.publicPartsMatch(ecKey().getPublic(), a.getPrivate())).as("another algorithm").isFalse();
    }

    @Test
    void derThatIsNotTheExpectedLayoutAnswersNullNotAnException() {
        assertThat(PemFiles.Der.ecPublicPoint(new byte[0])).isNull();
        assertThat(PemFiles.Der.ecPublicPoint(new byte[] {0x30, 0x05, 0x02, 0x01, 0x00})).isNull();
        assertThat(PemFiles.Der.ecPublicPoint(new byte[] {0x30, (byte) 0x84, 0x7f, 0x7f, 0x7f, 0x7f})).isNull();
        assertThat(PemFiles.Der.ecPublicPoint(new byte[] {0x30, 0x7f, 0x02})).as("a length past the end").isNull();
        assertThat(PemFiles.Der.ecPublicPoint(new byte[] {0x30})).as("a tag without a length").isNull();
        assertThat(PemFiles.Der.ecPublicPoint(new byte[] {0x30, (byte) 0x82, 0x01})).as("a long length cut short").isNull();
        assertThat(PemFiles.Der.subjectPublicKey(new byte[] {0x04, 0x00})).isNull();
    }

    @Test
    void sec1EcKeysAsOpensslWritesThemAreReadAndMatchedByTheirPoint() throws Exception {
        // the real tool's output: ecparam -genkey writes an EC PARAMETERS block, then the
        // EC PRIVATE KEY (SEC1, RFC 5915) with its curve and public point; -noout the key alone
        for (String curve : new String[] {"prime256v1", "secp384r1"}) {
            for (boolean withParameters : new boolean[] {true, false}) {
                Path dir = TestCertificates.newDirectory("sec1").toAbsolutePath();
                Path keyFile = dir.resolve("site.key");
                if (withParameters) {
                    openssl(dir, "ecparam", "-genkey", "-name", curve, "-out", keyFile.toString());
                } else {
                    openssl(dir, "ecparam", "-genkey", "-noout", "-name", curve, "-out", keyFile.toString());
                }
                openssl(dir, "req", "-new", "-x509", "-key", keyFile.toString(), "-subj", "/CN=sec1.test",
                        "-days", "2", "-out", dir.resolve("site.crt").toString());
                byte[] pem = Files.readAllBytes(keyFile);
                String text = new String(pem, java.nio.charset.StandardCharsets.US_ASCII);
                assertThat(text).contains("-----BEGIN EC PRIVATE KEY-----");
                assertThat(text.contains("-----BEGIN EC PARAMETERS-----")).isEqualTo(withParameters);
                X509Certificate cert = PemFiles.chain(Files.readAllBytes(dir.resolve("site.crt")))[0];
                X509Certificate other = certs.writePair(dir, "other", "other.test");

                PrivateKey key = PemFiles.privateKey(pem);

                assertThat(key).isInstanceOf(ECPrivateKey.class);
                assertThat(PemFiles.Der.ecPublicPoint(key.getEncoded())).as("the point travels with the key").isNotNull();
                assertThat(PemFiles.publicPartsMatch(cert.getPublicKey(), key)).as(curve).isTrue();
                PemFiles.checkPair(cert, key);
                assertThatThrownBy(() -> PemFiles.checkPair(other, key)).hasMessageContaining("does not belong");
                io.netty.handler.ssl.SslContext context = TlsContexts.server(key, new X509Certificate[] {cert});
                assertThat(context).isNotNull();
                io.netty.util.ReferenceCountUtil.release(context);
            }
        }
    }

    @Test
    void aSec1KeyThatNamesNoCurveIsRefusedWithWhatToDo() throws Exception {
        ECPrivateKey ec = (ECPrivateKey) ecKey().getPrivate();
        byte[] bare = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getS(), null, null).getEncoded();
        String pem = "-----BEGIN EC PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(bare)
                + "\n-----END EC PRIVATE KEY-----\n";

        assertThatThrownBy(() -> PemFiles.privateKey(pem.getBytes()))
                .hasMessageContaining("names no curve").hasMessageContaining("openssl pkcs8 -topk8");
        assertThatThrownBy(() -> PemFiles.privateKey("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n".getBytes()))
                .as("the parameters alone").hasMessageContaining("no private key block");
        assertThat(PemFiles.Der.ecNamedCurve(new byte[] {0x30, 0x03, 0x02, 0x01, 0x00})).as("version 0").isNull();
        assertThat(PemFiles.Der.ecNamedCurve(new byte[] {0x30, 0x7f})).as("a length past the end").isNull();
    }

    private static void openssl(Path dir, String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add("openssl");
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("openssl %s: %s", String.join(" ", args), output).isZero();
    }

    private static PrivateKey readKey(Path dir, String name) throws Exception {
        return PemFiles.privateKey(Files.readAllBytes(dir.resolve(name + ".key")));
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }
}

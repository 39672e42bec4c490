package io.predictor.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.core.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The certificate directory without sockets: selection rules, default, reload, bad files. */
class CertificateStoreTest {

    static TestCertificates certs;
    final List<String> problems = new ArrayList<>();
    final List<String> loads = new ArrayList<>();

    @BeforeAll
    static void ca() throws Exception {
        certs = new TestCertificates("store test CA");
    }

    CertificateStore load(Path dir) throws IOException {
        return CertificateStore.load(dir, new CertificateStore.Listener() {
            @Override
            public void loaded(Path directory, List<ServerCertificate> certificates, String defaultName) {
                loads.add(certificates.size() + " default=" + defaultName);
            }

            @Override
            public void problem(Path file, String message) {
                problems.add(file.getFileName() + ": " + message);
            }
        });
    }

    @Test
    void exactBeatsWildcardAndAWildcardCoversOneLabel() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "a-wild", "*.example.com");
        certs.writePair(dir, "b-exact", "www.example.com");
        try (CertificateStore store = load(dir)) {
            assertThat(store.select("www.example.com").name()).isEqualTo("b-exact");
            assertThat(store.select("WWW.Example.COM.").name()).as("case and trailing dot").isEqualTo("b-exact");
            assertThat(store.select("shop.example.com").name()).isEqualTo("a-wild");
            assertThat(store.select("example.com").name()).as("no certificate: the default").isEqualTo("a-wild");
            assertThat(store.select(null).name()).isEqualTo("a-wild");
            ServerCertificate wild = store.select("shop.example.com");
            assertThat(wild.covers("x.example.com")).isTrue();
            assertThat(wild.covers("example.com")).isFalse();
            assertThat(wild.covers("a.b.example.com")).isFalse();
            assertThat(wild.covers("xexample.com")).isFalse();
        }
    }

    @Test
    void defaultCrtIsTheDefaultElseTheFirstByName() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "zz", "z.test");
        certs.writePair(dir, "mm", "m.test");
        try (CertificateStore store = load(dir)) {
            assertThat(store.defaultCertificate().name()).isEqualTo("mm");
            certs.writePair(dir, "default", "fallback.test");
            assertThat(store.reload()).isTrue();
            assertThat(store.defaultCertificate().name()).isEqualTo("default");
            assertThat(store.select("other.test").name()).isEqualTo("default");
        }
    }

    @Test
    void aBadPairIsReportedOnceAndSkippedAndTheOthersStay() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "good", "good.test");
        certs.writePair(dir, "other", "other.test");
        Files.writeString(dir.resolve("nokey.crt"), Files.readString(dir.resolve("good.crt")));
        Files.copy(dir.resolve("other.key"), dir.resolve("mismatch.key"));
        Files.copy(dir.resolve("good.crt"), dir.resolve("mismatch.crt"));
        Files.writeString(dir.resolve("garbage.crt"), "hello");
        Files.writeString(dir.resolve("garbage.key"), "hello");
        try (CertificateStore store = load(dir)) {
            assertThat(store.certificates()).extracting(ServerCertificate::name).containsExactly("good", "other");
            assertThat(problems).hasSize(3);
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("nokey.crt").contains("no nokey.key"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("mismatch.crt").contains("does not belong"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("garbage.crt"));
            assertThat(store.reload()).as("nothing changed").isFalse();
            assertThat(problems).as("reported once").hasSize(3);
        }
    }

    @Test
    void aRemovedPairIsNoLongerServedButTheLastOneStays() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "one", "one.test");
        certs.writePair(dir, "two", "two.test");
        try (CertificateStore store = load(dir)) {
            Files.delete(dir.resolve("two.crt"));
            assertThat(store.reload()).isTrue();
            assertThat(store.select("two.test").name()).isEqualTo("one");
            Files.delete(dir.resolve("one.crt"));
            assertThat(store.reload()).isFalse();
            assertThat(store.select("one.test").name()).as("an empty directory keeps what is in service").isEqualTo("one");
        }
    }

    @Test
    void aDirectoryWithoutAnyUsableCertificateCannotStart() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        assertThatThrownBy(() -> load(dir)).isInstanceOf(IOException.class).hasMessageContaining("no usable certificate");
        assertThatThrownBy(() -> load(dir.resolve("missing"))).isInstanceOf(IOException.class);
    }

    @Test
    void pkcs1RsaKeysAreReadAndEncryptedOnesExplained() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        java.security.KeyPair kp = g.generateKeyPair();
        byte[] pkcs8 = kp.getPrivate().getEncoded();
        // PKCS#8 → PKCS#1: the OCTET STRING at the end of PrivateKeyInfo holds the RSAPrivateKey
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pkcs8);
        byte[] pkcs1 = info.parsePrivateKey().toASN1Primitive().getEncoded();
        String pem = "-----BEGIN RSA PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(pkcs1)
                + "\n-----END RSA PRIVATE KEY-----\n";
        assertThat(PemFiles.privateKey(pem.getBytes()).getEncoded()).isEqualTo(pkcs8);
        assertThatThrownBy(() -> PemFiles.privateKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n".getBytes()))
                .hasMessageContaining("encrypted");
    }
}

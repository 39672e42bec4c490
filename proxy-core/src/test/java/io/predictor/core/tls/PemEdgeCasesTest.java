package io.predictor.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PEM files as operators bring them: CRLF, blank lines, text before blocks, combined chain-and-key files (found by review). */
class PemEdgeCasesTest {

    static TestCertificates certs;
    static Path dir;
    static String crt;
    static String key;

    @BeforeAll
    static void ca() throws Exception {
        certs = new TestCertificates("Pem edge CA");
        dir = TestCertificates.newDirectory("pem-edge");
        certs.writePair(dir, "p", "p.test");
        crt = Files.readString(dir.resolve("p.crt"));
        key = Files.readString(dir.resolve("p.key"));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void crlfChain() {
        assertThat(PemFiles.chain(b(crt.replace("\n", "\r\n")))).hasSize(2);
    }

    @Test
    void crlfKey() {
        PemFiles.privateKey(b(key.replace("\n", "\r\n")));
    }

    @Test
    void blankLinesBetweenBlocksAndTrailingNewlines() {
        String[] parts = crt.split("(?<=-----END CERTIFICATE-----\n)");
        assertThat(PemFiles.chain(b(parts[0] + "\n\n" + parts[1] + "\n\n\n"))).hasSize(2);
    }

    @Test
    void openSslBagAttributesBeforeEachBlock() {
        // what `openssl pkcs12 -in x.p12 -nokeys` writes
        String[] parts = crt.split("(?<=-----END CERTIFICATE-----\n)");
        String withText = "Bag Attributes\n    localKeyID: 01 02\nsubject=CN = p.test\n\nissuer=CN = CA\n\n" + parts[0]
                + "subject=CN = CA\n\nissuer=CN = CA\n\n" + parts[1];
        assertThat(PemFiles.chain(b(withText))).hasSize(2);
    }

    @Test
    void aKeyFileWithTheCertificateBeforeTheKey() {
        // a combined PEM renamed NAME.key (HAProxy's crt format puts both in one file)
        PemFiles.privateKey(b(crt + key));
    }

    @Test
    void aCrtFileWithTheKeyAppended() {
        assertThat(PemFiles.chain(b(crt + key))).hasSize(2);
    }
}

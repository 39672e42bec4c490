package io.predictor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostNameTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
        "www.example.com|www.example.com",
        "WWW.Example.COM|www.example.com",
        "www.example.com:8080|www.example.com",
        "www.example.com.|www.example.com",
        "www.example.com.:443|www.example.com",
        "'  www.example.com \t'|www.example.com",
        "www.example.com:|www.example.com",
        "xn--bcher-kva.example|xn--bcher-kva.example",
        "127.0.0.1:80|127.0.0.1",
        "[::1]:8080|[::1]",
        "[2001:DB8::1]|[2001:db8::1]",
        "under_score.example|under_score.example",
    })
    void normalisesCasePortAndTrailingDot(String in, String expected) {
        assertThat(HostName.normalize(in)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" is invalid")
    @CsvSource(delimiter = '|', value = {
        "''", "' '", ".", "www.example.com:80:80", "www.example.com:123456", "www.exa mple.com",
        "www.example.com:abc", "bücher.example", "a/b", "[::1", "[::1]x", ".example.com", "exa\u0000mple.com",
        "www.example.com..", "www.example.com..:443",
    })
    void rejectsInvalidNames(String in) {
        assertThat(HostName.normalize(in)).isNull();
    }

    @org.junit.jupiter.api.Test
    void rejectsOverlongNames() {
        assertThat(HostName.normalize("a".repeat(254))).isNull();
        assertThat(HostName.normalize("a".repeat(253))).hasSize(253);
    }

    @org.junit.jupiter.api.Test
    void hashOfASuffixDoesNotDependOnTheBytesAroundIt() {
        java.util.Random random = new java.util.Random(3);
        for (int len = 1; len <= 64; len++) {
            byte[] name = new byte[len];
            for (int i = 0; i < len; i++) {
                name[i] = (byte) ('a' + random.nextInt(26));
            }
            long h = HostName.hash64(name, 0, len);
            for (int before = 0; before <= 9; before++) {
                byte[] big = new byte[before + len + 3];
                random.nextBytes(big);
                System.arraycopy(name, 0, big, before, len);
                assertThat(HostName.hash64(big, before, len)).as(len + "@" + before).isEqualTo(h);
            }
        }
        byte[] ab = "ab".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(HostName.hash64(ab, 0, 1)).isNotEqualTo(HostName.hash64(ab, 0, 2));
    }

    /** The table-driven normalisation against the rule spelled out byte by byte, on random and edge inputs. */
    @org.junit.jupiter.api.Test
    void normalisesLikeTheByteLoop() {
        java.util.Random random = new java.util.Random(5);
        String alphabet = "abcxyzABCXYZ0189.-_:[] \t/@\u00e9\u0080Q";
        byte[] dst = new byte[HostName.MAX_LENGTH + 2];
        byte[] ref = new byte[HostName.MAX_LENGTH + 2];
        for (int k = 0; k < 200_000; k++) {
            int len = random.nextInt(k % 10 == 0 ? 280 : 40);
            byte[] src = new byte[len + 4];
            for (int i = 0; i < src.length; i++) {
                src[i] = random.nextInt(4) == 0 ? (byte) alphabet.charAt(random.nextInt(alphabet.length()))
                        : (byte) "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-".charAt(random.nextInt(64));
            }
            if (k % 7 == 0 && len > 6) {
                src[2 + random.nextInt(len - 4)] = ':';
            }
            int n = HostName.normalize(src, 2, len, dst);
            int m = reference(src, 2, len, ref);
            assertThat(n).as(new String(src, 2, len, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo(m);
            if (n > 0) {
                assertThat(java.util.Arrays.copyOf(dst, n)).isEqualTo(java.util.Arrays.copyOf(ref, m));
            }
        }
    }

    /** The rule for non-IPv6 names, spelled out (as HostName had it before its table). */
    private static int reference(byte[] src, int off, int len, byte[] dst) {
        int start = off;
        int end = off + len;
        while (start < end && (src[start] == ' ' || src[start] == '\t')) {
            start++;
        }
        while (end > start && (src[end - 1] == ' ' || src[end - 1] == '\t')) {
            end--;
        }
        if (start == end) {
            return -1;
        }
        if (src[start] == '[') {
            return HostName.normalize(src, off, len, dst);
        }
        int n = 0;
        for (int i = start; i < end; i++) {
            int b = src[i] & 0xff;
            if (b == ':') {
                if (end - i - 1 > 5) {
                    return -1;
                }
                for (int j = i + 1; j < end; j++) {
                    if (src[j] < '0' || src[j] > '9') {
                        return -1;
                    }
                }
                break;
            }
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            boolean ok = (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_';
            if (!ok || n == HostName.MAX_LENGTH + 1) {
                return -1;
            }
            dst[n++] = (byte) b;
        }
        if (n > 0 && dst[n - 1] == '.') {
            n--;
        }
        if (n == 0 || n > HostName.MAX_LENGTH || dst[0] == '.' || dst[n - 1] == '.') {
            return -1; // one trailing dot is the root, a second one no name
        }
        return n;
    }

    @org.junit.jupiter.api.Test
    void findsEveryDotEightBytesAtATime() {
        java.util.Random random = new java.util.Random(9);
        for (int k = 0; k < 20_000; k++) {
            int len = 1 + random.nextInt(40);
            byte[] b = new byte[len + random.nextInt(3)];
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(3) == 0 ? (byte) '.' : (byte) random.nextInt(256);
            }
            StringBuilder expected = new StringBuilder();
            StringBuilder found = new StringBuilder();
            for (int i = 0; i < len; i++) {
                if (b[i] == '.') {
                    expected.append(i).append(' ');
                }
            }
            for (int at = 0; at < len; at += 8) {
                for (long d = HostName.dots(b, at, len); d != 0; d &= d - 1) {
                    found.append(at + (Long.numberOfTrailingZeros(d) >>> 3)).append(' ');
                }
            }
            assertThat(found.toString()).isEqualTo(expected.toString());
        }
    }
}

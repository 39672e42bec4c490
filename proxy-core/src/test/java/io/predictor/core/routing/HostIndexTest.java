package io.predictor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HostIndexTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void findsEveryNameByItsIdAndNoOtherAmongManyNames() {
        int n = 200_000;
        HostIndex.Builder builder = new HostIndex.Builder(n, n * 24);
        for (int i = 0; i < n; i++) {
            byte[] name = b("www.site" + i + ".example");
            assertThat(builder.add(name, 0, name.length)).isEqualTo(i);
        }
        HostIndex index = builder.build();
        assertThat(index.size()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            byte[] name = b("www.site" + i + ".example");
            assertThat(index.find(name, 0, name.length)).isEqualTo(i);
            assertThat(index.name(i)).isEqualTo("www.site" + i + ".example");
            byte[] other = b("www.site" + (i + n) + ".example");
            assertThat(index.find(other, 0, other.length)).isEqualTo(-1);
        }
    }

    @Test
    void addingANameTwiceAnswersTheFirstId() {
        HostIndex.Builder builder = new HostIndex.Builder(3, 64);
        byte[] a = b("a.example");
        byte[] c = b("c.example");
        assertThat(builder.add(a, 0, a.length)).isEqualTo(0);
        assertThat(builder.add(c, 0, c.length)).isEqualTo(1);
        assertThat(builder.add(a, 0, a.length)).isEqualTo(-1);
        assertThat(builder.add(c, 0, c.length)).isEqualTo(-2);
        assertThat(builder.build().size()).isEqualTo(2);
    }

    @Test
    void findsANameInsideALargerArray() {
        HostIndex.Builder builder = new HostIndex.Builder(1, 16);
        byte[] name = b("example.com");
        builder.add(name, 0, name.length);
        HostIndex index = builder.build();
        byte[] host = b("www.example.com");
        assertThat(index.find(host, 4, 11)).isEqualTo(0);
        assertThat(index.find(host, 0, 15)).isEqualTo(-1);
    }

    @Test
    void anEmptyIndexFindsNothing() {
        byte[] name = b("example.com");
        assertThat(HostIndex.EMPTY.find(name, 0, name.length)).isEqualTo(-1);
        assertThat(new HostIndex.Builder(0, 0).build().find(name, 0, name.length)).isEqualTo(-1);
    }
}

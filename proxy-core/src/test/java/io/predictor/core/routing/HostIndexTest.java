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
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            byte[] name = b("www.site" + i + ".example");
            ids[i] = builder.add(name, 0, name.length, i);
            assertThat(ids[i]).isNotNegative();
        }
        HostIndex index = builder.build();
        assertThat(index.size()).isEqualTo(n);
        assertThat(index.ids()).containsExactly(ids);
        for (int i = 0; i < n; i++) {
            byte[] name = b("www.site" + i + ".example");
            assertThat(index.find(name, 0, name.length)).isEqualTo(ids[i]);
            assertThat(index.payload(ids[i])).isEqualTo(i);
            assertThat(index.name(ids[i])).isEqualTo("www.site" + i + ".example");
            byte[] other = b("www.site" + (i + n) + ".example");
            assertThat(index.find(other, 0, other.length)).isEqualTo(-1);
        }
    }

    @Test
    void aGrowableBuilderKeepsEveryNameAndItsSlotAsItDoubles() {
        HostIndex.Builder builder = HostIndex.Builder.growable();
        int n = 5_000;
        for (int i = 0; i < n; i++) {
            byte[] name = b("s" + i + "." + "x".repeat(i % 200) + ".example");
            assertThat(builder.add(name, 0, name.length, i)).isNotNegative();
            assertThat(builder.add(name, 0, name.length, -1)).as("a duplicate, across growth").isNegative();
        }
        HostIndex index = builder.build();
        assertThat(index.size()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            byte[] name = b("s" + i + "." + "x".repeat(i % 200) + ".example");
            int id = index.find(name, 0, name.length);
            assertThat(index.payload(id)).isEqualTo(i);
            int slot = index.findSlot(name, 0, name.length, HostName.hash64(name, 0, name.length));
            assertThat(index.idAt(slot)).isEqualTo(id);
        }
    }

    @Test
    void addingANameTwiceAnswersTheFirstId() {
        HostIndex.Builder builder = new HostIndex.Builder(3, 64);
        byte[] a = b("a.example");
        byte[] c = b("c.example");
        int ida = builder.add(a, 0, a.length, 7);
        int idc = builder.add(c, 0, c.length, 8);
        assertThat(builder.add(a, 0, a.length, 9)).isEqualTo(-(ida + 1));
        assertThat(builder.add(c, 0, c.length)).isEqualTo(-(idc + 1));
        HostIndex index = builder.build();
        assertThat(index.size()).isEqualTo(2);
        assertThat(index.payload(ida)).as("the first payload stays").isEqualTo(7);
    }

    @Test
    void comparesWholeNamesOfEveryLengthAroundTheWordSize() {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int len = 1; len <= 40; len++) {
            String base = "abcdefghijklmnopqrstuvwxyz0123456789-._a".substring(0, len);
            names.add(base);
            names.add("x" + base.substring(1)); // differs in the first byte
            names.add(base.substring(0, len - 1) + "z"); // differs in the last byte
        }
        names.add("a".repeat(255));
        names = new java.util.ArrayList<>(new java.util.LinkedHashSet<>(names));
        HostIndex.Builder builder = new HostIndex.Builder(names.size(), 20_000);
        for (int i = 0; i < names.size(); i++) {
            byte[] n = b(names.get(i));
            assertThat(builder.add(n, 0, n.length, i)).isNotNegative();
        }
        HostIndex index = builder.build();
        for (int i = 0; i < names.size(); i++) {
            byte[] n = b("###" + names.get(i) + "###");
            int id = index.find(n, 3, n.length - 6);
            assertThat(id).as(names.get(i)).isNotNegative();
            assertThat(index.payload(id)).isEqualTo(i);
            assertThat(index.find(n, 3, n.length - 5)).as("one byte longer").isEqualTo(-1);
            assertThat(index.find(n, 2, n.length - 5)).as("one byte before").isEqualTo(-1);
        }
        byte[] tooLong = b("a".repeat(256));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HostIndex.Builder(1, 256).add(tooLong, 0, 256))
                .isInstanceOf(IllegalArgumentException.class);
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

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

    @Test
    void anAppendingBuilderMakesTheIndexThatAddingMakesForRandomNames() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        for (int round = 0; round < 20; round++) {
            int n = round == 0 ? 0 : random.nextInt(1, round < 10 ? 50 : 40_000);
            byte[][] names = new byte[n][];
            java.util.Set<String> seen = new java.util.HashSet<>();
            int bytes = 0;
            for (int i = 0; i < n; i++) {
                String name;
                do {
                    name = "s" + random.nextInt(n * 4 + 1) + "." + "x".repeat(random.nextInt(0, 240)) + ".example";
                } while (!seen.add(name));
                names[i] = b(name);
                bytes += names[i].length;
            }
            HostIndex.Builder adding = new HostIndex.Builder(n, bytes);
            HostIndex.Builder appending = HostIndex.Builder.appending(n, bytes);
            for (int i = 0; i < n; i++) {
                int id = adding.add(names[i], 0, names[i].length, i * 7);
                assertThat(appending.append(names[i], 0, names[i].length, i * 7)).isEqualTo(id);
            }
            HostIndex expected = adding.build();
            HostIndex index = appending.buildAppended();
            assertThat(index.size()).isEqualTo(n);
            assertThat(index.ids()).containsExactly(expected.ids());
            assertThat(index.slotCount()).isEqualTo(expected.slotCount());
            assertThat(index.footprintBytes()).isEqualTo(expected.footprintBytes());
            for (int i = 0; i < n; i++) {
                int id = index.find(names[i], 0, names[i].length);
                assertThat(id).isEqualTo(expected.find(names[i], 0, names[i].length));
                assertThat(index.payload(id)).isEqualTo(i * 7);
                int slot = index.findSlot(names[i], 0, names[i].length, HostName.hash64(names[i], 0, names[i].length));
                assertThat(index.idAt(slot)).isEqualTo(id);
            }
            byte[] absent = b("absent.example");
            assertThat(index.find(absent, 0, absent.length)).isEqualTo(-1);
        }
    }

    @Test
    void anAppendingBuilderFindsANameAppendedTwiceWhenItBuilds() {
        int n = 20_000;
        HostIndex.Builder appending = HostIndex.Builder.appending(n + 1, (n + 1) * 24);
        for (int i = 0; i < n; i++) {
            byte[] name = b("www.site" + i + ".example");
            appending.append(name, 0, name.length, i);
        }
        byte[] again = b("www.site" + (n - 1) + ".example");
        appending.append(again, 0, again.length, 0);
        assertThat(appending.buildAppended()).isNull();
    }

    @Test
    void anAppendingBuilderAndAnAddingOneKeepToTheirOwnMethods() {
        byte[] name = b("a.example");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HostIndex.Builder.appending(1, 16).add(name, 0, name.length))
                .isInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HostIndex.Builder.appending(1, 16).build())
                .isInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HostIndex.Builder(1, 16).append(name, 0, name.length, 0))
                .isInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HostIndex.Builder.growable().buildAppended())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anAppendingBuilderPlacesNamesThatAllHashIntoTheFirstBucketOfSlots() {
        // 20,000 names: 32,768 slots, four buckets of 8,192; every name's home slot below 8,192
        int n = 20_000;
        java.util.List<byte[]> names = new java.util.ArrayList<>();
        for (int i = 0; names.size() < n; i++) {
            byte[] name = b("n" + i + ".example");
            if (((int) HostName.hash64(name, 0, name.length) & 32_767) < 8_192) {
                names.add(name);
            }
        }
        HostIndex.Builder appending = HostIndex.Builder.appending(n, n * 16);
        HostIndex.Builder adding = new HostIndex.Builder(n, n * 16);
        for (int i = 0; i < n; i++) {
            byte[] name = names.get(i);
            appending.append(name, 0, name.length, i);
            adding.add(name, 0, name.length, i);
        }
        HostIndex index = appending.buildAppended();
        assertThat(index.slotCount()).isEqualTo(32_768);
        assertThat(index.ids()).containsExactly(adding.build().ids());
        for (int i = 0; i < n; i++) {
            byte[] name = names.get(i);
            assertThat(index.payload(index.find(name, 0, name.length))).isEqualTo(i);
        }
        HostIndex.Builder twice = HostIndex.Builder.appending(n + 1, (n + 1) * 16);
        names.forEach(name -> twice.append(name, 0, name.length, 0));
        twice.append(names.get(n / 2), 0, names.get(n / 2).length, 0);
        assertThat(twice.buildAppended()).isNull();
    }
}

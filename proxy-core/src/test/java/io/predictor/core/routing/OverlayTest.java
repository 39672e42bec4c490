package io.predictor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The persistent trie under the overlay, with hashes chosen to collide at every level. */
class OverlayTest {

    private static Overlay.Entry entry(String name, int hash, long revision) {
        return new Overlay.Entry(hash, name.getBytes(StandardCharsets.ISO_8859_1), SiteState.LEGACY.code(),
                SiteSet.NO_GROUP, revision, SiteSet.DELETED, SiteSet.NO_GROUP);
    }

    private static Overlay.Entry find(Overlay.Node root, String name, int hash) {
        byte[] b = ("xx" + name).getBytes(StandardCharsets.ISO_8859_1);
        return Overlay.find(root, hash, b, 2, b.length - 2);
    }

    @Test
    void findsEveryEntryWhateverTheHashesShareAndOldVersionsStayAsTheyWere() {
        Random random = new Random(1);
        // few distinct hashes, differing in high bits only: deep paths and collision nodes
        int[] hashes = {0, 1 << 31, 1 << 30, 0x40000000 | 1, 7, 7 | (1 << 29), 0xffffffff, 0x7fffffff};
        Map<String, Integer> hashOf = new HashMap<>();
        Map<String, Long> revisionOf = new HashMap<>();
        List<Overlay.Node> versions = new ArrayList<>();
        List<Map<String, Long>> contents = new ArrayList<>();
        Overlay.Node root = null;
        for (int i = 0; i < 300; i++) {
            String name = "n" + random.nextInt(120) + ".example";
            int hash = hashOf.computeIfAbsent(name, n -> hashes[random.nextInt(hashes.length)]);
            root = Overlay.put(root, entry(name, hash, i));
            revisionOf.put(name, (long) i);
            versions.add(root);
            contents.add(new HashMap<>(revisionOf));
        }
        for (int v = 0; v < versions.size(); v++) {
            Map<String, Long> expected = contents.get(v);
            Overlay.Node r = versions.get(v);
            for (Map.Entry<String, Integer> e : hashOf.entrySet()) {
                Overlay.Entry found = find(r, e.getKey(), e.getValue());
                Long rev = expected.get(e.getKey());
                if (rev == null) {
                    assertThat(found).isNull();
                } else {
                    assertThat(found).isNotNull();
                    assertThat(found.name()).isEqualTo(e.getKey());
                    assertThat(found.revision).isEqualTo(rev);
                }
                assertThat(find(r, e.getKey() + "x", e.getValue())).isNull();
            }
            List<String> all = new ArrayList<>();
            Overlay.forEach(r, x -> all.add(x.name()));
            assertThat(all).containsExactlyInAnyOrderElementsOf(expected.keySet());
        }
    }

    @Test
    void anEmptyOverlayFindsNothing() {
        byte[] b = "a.example".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(Overlay.find(null, 42, b, 0, b.length)).isNull();
        List<Overlay.Entry> all = new ArrayList<>();
        Overlay.forEach(null, all::add);
        assertThat(all).isEmpty();
    }
}

package io.predictor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link RoutingSnapshot#groupCounts()}: one pass gives what {@code groupCountsByState} gives per group. */
class GroupCountsTest {

    @Test
    void listsGroupsByNameWithEffectiveCountsAndSkipsEmptyOnes() {
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 16, 1024);
        b.add("a.example.com", SiteState.LEGACY, "filer-b");
        b.add("b.example.com", SiteState.LEGACY, "filer-b");
        b.add("c.example.com", SiteState.MIGRATED, "filer-a");
        b.add("*.d.example.com", SiteState.LEGACY, "filer-c");
        b.add("e.example.com", SiteState.LEGACY, null);
        SiteTable base = b.build();
        RoutingSnapshot s = RoutingSnapshot.of(base,
                List.of(new SiteOverride("a.example.com", SiteState.MIGRATED, "filer-a", 3), // moved to filer-a
                        new SiteOverride("*.d.example.com", null, null, 4), // filer-c is left empty
                        new SiteOverride("new.example.com", SiteState.LEGACY, "filer-new", 5)),
                List.of(new GroupOverride("filer-b", SiteState.MAINTENANCE, 2)), 5, SiteState.LEGACY);
        GroupCounts g = s.groupCounts();
        assertThat(g.size()).isEqualTo(3);
        assertThat(List.of(g.name(0), g.name(1), g.name(2))).containsExactly("filer-a", "filer-b", "filer-new");
        assertThat(g.count(0, SiteState.MIGRATED)).isEqualTo(2);
        assertThat(g.count(1, SiteState.MAINTENANCE)).isEqualTo(1);
        assertThat(g.total(1)).isEqualTo(1);
        assertThat(g.count(2, SiteState.LEGACY)).isEqualTo(1);
        assertThat(g.firstAfter(null)).isZero();
        assertThat(g.firstAfter("filer-a")).isEqualTo(1);
        assertThat(g.firstAfter("filer-aa")).isEqualTo(1);
        assertThat(g.firstAfter("zzz")).isEqualTo(3);
        assertThat(g.nameContains(2, "new")).isTrue();
        assertThat(g.indexOf("filer-b")).isEqualTo(1);
        assertThat(g.indexOf("filer-c")).as("left without sites").isEqualTo(-1);
        assertThat(g.indexOf("filer-")).isEqualTo(-1);
        assertThat(s.groupCounts()).as("computed once per snapshot").isSameAs(g);
    }

    @Test
    void agreesWithPerGroupCountsUnderRandomOverrides() {
        Random random = new Random(42);
        SiteTable.Builder b = new SiteTable.Builder(2000, 64_000, 100, 4000);
        for (int i = 0; i < 2000; i++) {
            b.add("site-" + i + ".example.com", SiteState.ofCode(random.nextInt(4)), "filer-" + random.nextInt(40));
        }
        for (int i = 0; i < 100; i++) {
            b.add("*.w" + i + ".example.net", SiteState.ofCode(random.nextInt(4)), "filer-" + random.nextInt(40));
        }
        SiteTable base = b.build();
        List<SiteOverride> sites = new ArrayList<>();
        List<GroupOverride> groups = new ArrayList<>();
        long rev = 0;
        for (int i = 0; i < 300; i++) {
            String host = random.nextInt(10) == 0 ? "*.w" + random.nextInt(150) + ".example.net"
                    : "site-" + random.nextInt(2500) + ".example.com";
            if (sites.stream().anyMatch(o -> o.host().equals(host))) {
                continue;
            }
            SiteState state = random.nextInt(8) == 0 ? null : SiteState.ofCode(random.nextInt(4));
            String group = state == null ? null : "filer-" + random.nextInt(45);
            sites.add(new SiteOverride(host, state, group, ++rev));
            if (random.nextInt(20) == 0) {
                String name = "filer-" + random.nextInt(45);
                groups.removeIf(o -> o.group().equals(name));
                groups.add(new GroupOverride(name, SiteState.ofCode(random.nextInt(4)), ++rev));
            }
        }
        RoutingSnapshot s = RoutingSnapshot.of(base, sites, groups, rev, SiteState.LEGACY);
        GroupCounts g = s.groupCounts();
        int listed = 0;
        for (int i = 0; i < 45; i++) {
            String name = "filer-" + i;
            Map<SiteState, Integer> expected = s.groupCountsByState(name);
            int total = expected.values().stream().mapToInt(Integer::intValue).sum();
            int at = g.firstAfter(name) - 1;
            if (total == 0) {
                assertThat(at < 0 || !g.name(at).equals(name)).as(name + " has no sites").isTrue();
                continue;
            }
            listed++;
            assertThat(g.name(at)).isEqualTo(name);
            for (SiteState st : SiteState.values()) {
                assertThat(g.count(at, st)).as(name + " " + st).isEqualTo(expected.get(st));
            }
        }
        assertThat(g.size()).isEqualTo(listed);
    }
}

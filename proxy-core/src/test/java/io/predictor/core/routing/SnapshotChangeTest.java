package io.predictor.core.routing;

import static io.predictor.core.routing.SnapshotFixtures.base;
import static io.predictor.core.routing.SnapshotFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Snapshots derived change by change ({@link RoutingSnapshot#with}) against the same overrides
 * built at once ({@link RoutingSnapshot#of}) and against a brute-force model of the rules:
 * newest revision wins between a site's entry and its group's override, deletions, wildcards,
 * groups first named at runtime, counts; and every earlier snapshot answers as it did.
 */
class SnapshotChangeTest {

    @Test
    void groupOverrideThenSiteOverrideTheSiteWins() {
        RoutingSnapshot s = RoutingSnapshot.of(base(), 0, SiteState.LEGACY)
                .with(new GroupOverride("filer-042", SiteState.HOLD, 1))
                .with(new SiteOverride("shop.example.org", SiteState.MAINTENANCE, "filer-042", 2));
        assertThat(state(s, "shop.example.org")).isEqualTo(SiteState.MAINTENANCE);
        assertThat(state(s, "www.example.com")).isEqualTo(SiteState.HOLD);
        assertThat(s.revision()).isEqualTo(2);
        assertThat(s.describe("shop.example.org"))
                .isEqualTo(new SiteView("shop.example.org", SiteState.MAINTENANCE, "filer-042", 2));
        assertThat(s.groupCountsByState("filer-042")).containsEntry(SiteState.HOLD, 1)
                .containsEntry(SiteState.MAINTENANCE, 1).containsEntry(SiteState.LEGACY, 0);
    }

    @Test
    void siteOverrideThenGroupOverrideTheGroupWins() {
        RoutingSnapshot s = RoutingSnapshot.of(base(), 0, SiteState.LEGACY)
                .with(new SiteOverride("shop.example.org", SiteState.MAINTENANCE, "filer-042", 1))
                .with(new GroupOverride("filer-042", SiteState.HOLD, 2));
        assertThat(state(s, "shop.example.org")).isEqualTo(SiteState.HOLD);
        assertThat(s.describe("shop.example.org"))
                .isEqualTo(new SiteView("shop.example.org", SiteState.HOLD, "filer-042", 2));
        assertThat(s.groupCountsByState("filer-042")).containsEntry(SiteState.HOLD, 2)
                .containsEntry(SiteState.MAINTENANCE, 0);
        // and a later site change wins again
        s = s.with(new SiteOverride("shop.example.org", SiteState.LEGACY, "filer-042", 3));
        assertThat(state(s, "shop.example.org")).isEqualTo(SiteState.LEGACY);
        assertThat(s.groupCountsByState("filer-042")).containsEntry(SiteState.HOLD, 1)
                .containsEntry(SiteState.LEGACY, 1);
        assertThat(s.overrideCount()).isEqualTo(2);
    }

    @Test
    void removalFallsToTheWildcardThenTheDefaultAndARemovedSiteCanComeBack() {
        RoutingSnapshot s0 = RoutingSnapshot.of(base(), 0, SiteState.MAINTENANCE);
        RoutingSnapshot s1 = s0.with(new SiteOverride("exact.blog.example.net", null, null, 1));
        RoutingSnapshot s2 = s1.with(new SiteOverride("*.blog.example.net", null, null, 2));
        RoutingSnapshot s3 = s2.with(new SiteOverride("*.example.net", null, null, 3));
        RoutingSnapshot s4 = s3.with(new SiteOverride("exact.blog.example.net", SiteState.HOLD, "filer-new", 4));
        assertThat(state(s1, "exact.blog.example.net")).isEqualTo(SiteState.LEGACY);
        assertThat(state(s2, "exact.blog.example.net")).isEqualTo(SiteState.MIGRATED);
        assertThat(state(s3, "exact.blog.example.net")).isNull();
        assertThat(state(s4, "exact.blog.example.net")).isEqualTo(SiteState.HOLD);
        assertThat(s4.describe("exact.blog.example.net").group()).isEqualTo("filer-new");
        assertThat(s4.groupCountsByState("filer-new")).containsEntry(SiteState.HOLD, 1);
        assertThat(s4.groupCountsByState("filer-007").values()).allMatch(v -> v == 0);
        assertThat(s4.countsByState()).containsEntry(SiteState.HOLD, 1).containsEntry(SiteState.MIGRATED, 1)
                .containsEntry(SiteState.LEGACY, 1).containsEntry(SiteState.MAINTENANCE, 1);
        // the earlier snapshots are untouched
        assertThat(state(s0, "exact.blog.example.net")).isEqualTo(SiteState.MIGRATED);
        assertThat(s0.overrideCount()).isZero();
        assertThat(s0.groupCountsByState("filer-007")).containsEntry(SiteState.MIGRATED, 2)
                .containsEntry(SiteState.LEGACY, 1);
        assertThat(s0.describe("exact.blog.example.net").group()).isEqualTo("filer-007");
        assertThat(s0.groupCountsByState("filer-new").values()).allMatch(v -> v == 0);
    }

    @Test
    void changesOutOfRevisionOrderAreRefused() {
        RoutingSnapshot s = RoutingSnapshot.of(base(), 0, SiteState.LEGACY)
                .with(new SiteOverride("shop.example.org", SiteState.MAINTENANCE, null, 5));
        assertThatThrownBy(() -> s.with(new GroupOverride("filer-042", SiteState.HOLD, 5)))
                .isInstanceOf(IllegalArgumentException.class);
        RoutingSnapshot g = s.with(new GroupOverride("filer-042", SiteState.HOLD, 6));
        assertThatThrownBy(() -> g.with(new SiteOverride("www.example.com", SiteState.LEGACY, null, 4)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(g.with(new SiteOverride("www.example.com", SiteState.LEGACY, null, 6)).describe("www.example.com"))
                .as("a site change of the group override's revision wins, as in of()")
                .isEqualTo(new SiteView("www.example.com", SiteState.LEGACY, null, 6));
    }

    @Test
    void withRevisionKeepsTheRouting() {
        RoutingSnapshot s = RoutingSnapshot.of(base(), 0, SiteState.LEGACY)
                .with(new SiteOverride("shop.example.org", SiteState.MAINTENANCE, null, 1));
        RoutingSnapshot r = s.withRevision(7);
        assertThat(r.revision()).isEqualTo(7);
        assertThat(state(r, "shop.example.org")).isEqualTo(SiteState.MAINTENANCE);
        assertThat(r.countsByState()).isEqualTo(s.countsByState());
        assertThat(s.withRevision(1)).isSameAs(s);
    }

    /** Random changes in revision order: with() at each step = of() over the latest overrides = the model. */
    @Test
    void derivedSnapshotsAgreeWithRebuiltOnesAndWithTheModel() {
        Random random = new Random(4);
        SiteTable.Builder b = new SiteTable.Builder(400, 12_000, 40, 1200);
        Map<String, Model.Site> baseSites = new LinkedHashMap<>();
        for (int i = 0; i < 400; i++) {
            String host = "s" + i + ".d" + (i % 13) + ".example.com";
            SiteState st = SiteState.ofCode(random.nextInt(4));
            String group = random.nextInt(5) == 0 ? null : "g" + random.nextInt(12);
            b.add(host, st, group);
            baseSites.put(host, new Model.Site(st, group, 0));
        }
        for (int i = 0; i < 13; i += 2) {
            String host = "*.d" + i + ".example.com";
            SiteState st = SiteState.ofCode(random.nextInt(4));
            b.add(host, st, "g" + i);
            baseSites.put(host, new Model.Site(st, "g" + i, 0));
        }
        b.add("*.example.com", SiteState.HOLD, null);
        baseSites.put("*.example.com", new Model.Site(SiteState.HOLD, null, 0));
        SiteTable base = b.build();

        List<String> universe = new ArrayList<>(baseSites.keySet());
        for (int i = 0; i < 60; i++) {
            universe.add("new" + i + ".d" + (i % 15) + ".example.com");
        }
        for (int i = 0; i < 15; i++) {
            universe.add("*.d" + i + ".example.com");
        }
        List<String> probes = new ArrayList<>();
        for (String h : universe) {
            probes.add(h.startsWith("*.") ? "x." + h.substring(2) : h);
        }
        probes.add("nothing.example.org");
        probes.add("example.com");

        Map<String, SiteOverride> sites = new HashMap<>();
        Map<String, GroupOverride> groups = new HashMap<>();
        RoutingSnapshot s = RoutingSnapshot.of(base, 0, SiteState.LEGACY);
        List<RoutingSnapshot> history = new ArrayList<>();
        List<Map<String, SiteState>> answers = new ArrayList<>();
        long rev = 0;
        for (int step = 0; step < 400; step++) {
            rev++;
            if (random.nextInt(6) == 0) {
                String group = "g" + random.nextInt(16); // g12..g15: named only at runtime
                GroupOverride g = new GroupOverride(group, SiteState.ofCode(random.nextInt(4)), rev);
                groups.put(group, g);
                s = s.with(g);
            } else {
                String host = universe.get(random.nextInt(universe.size()));
                SiteState st = random.nextInt(5) == 0 ? null : SiteState.ofCode(random.nextInt(4));
                String group = st == null || random.nextInt(4) == 0 ? null : "g" + random.nextInt(16);
                SiteOverride o = new SiteOverride(host, st, group, rev);
                sites.put(host, o);
                s = s.with(o);
            }
            assertThat(s.revision()).isEqualTo(rev);
            if (step % 20 == 0 || step == 399) {
                RoutingSnapshot rebuilt = RoutingSnapshot.of(base, sites.values(), groups.values(), rev, SiteState.LEGACY);
                Model model = new Model(baseSites, sites, groups);
                assertAgree(s, rebuilt, model, universe, probes);
                history.add(s);
                answers.add(answersOf(s, probes));
            }
        }
        for (int k = 0; k < history.size(); k++) {
            assertThat(answersOf(history.get(k), probes)).as("snapshot " + k + " unchanged").isEqualTo(answers.get(k));
        }
    }

    private static Map<String, SiteState> answersOf(RoutingSnapshot s, List<String> probes) {
        Map<String, SiteState> m = new TreeMap<>();
        for (String p : probes) {
            SiteState st = state(s, p);
            m.put(p, st == null ? s.defaultState() : st);
        }
        return m;
    }

    private static void assertAgree(RoutingSnapshot s, RoutingSnapshot rebuilt, Model model, List<String> universe,
            List<String> probes) {
        for (String p : probes) {
            assertThat(state(s, p)).as(p).isEqualTo(state(rebuilt, p)).isEqualTo(model.route(p));
            assertThat(s.describe(p)).as(p).isEqualTo(rebuilt.describe(p));
        }
        for (String h : universe) {
            SiteView v = s.entry(h);
            Model.Site m = model.effective(h);
            assertThat(v == null ? null : new Model.Site(v.state(), v.group(), v.revision())).as(h).isEqualTo(m);
        }
        assertThat(s.countsByState()).isEqualTo(rebuilt.countsByState()).isEqualTo(model.counts(null, true));
        for (int g = 0; g < 17; g++) {
            String name = "g" + g;
            assertThat(s.groupCountsByState(name)).as(name).isEqualTo(rebuilt.groupCountsByState(name))
                    .isEqualTo(model.counts(name, false));
        }
        SnapshotFixtures.assertSameGroupCounts(s.groupCounts(), rebuilt.groupCounts());
        assertThat(s.overrideCount()).isEqualTo(rebuilt.overrideCount());
        assertThat(SiteQueries.page(s, null, null, null, 1000)).isEqualTo(SiteQueries.page(rebuilt, null, null, null, 1000));
    }

    /** The rules, by brute force over names. */
    private static final class Model {
        record Site(SiteState state, String group, long revision) {
        }

        final Map<String, Site> entries = new HashMap<>();
        final Map<String, GroupOverride> groups;

        Model(Map<String, Site> base, Map<String, SiteOverride> sites, Map<String, GroupOverride> groups) {
            entries.putAll(base);
            for (SiteOverride o : sites.values()) {
                if (o.state() == null) {
                    entries.remove(o.host());
                } else {
                    entries.put(o.host(), new Site(o.state(), o.group(), o.revision()));
                }
            }
            this.groups = groups;
        }

        Site effective(String name) {
            Site e = entries.get(name);
            if (e == null) {
                return null;
            }
            GroupOverride g = e.group() == null ? null : groups.get(e.group());
            return g != null && g.revision() > e.revision() ? new Site(g.state(), e.group(), g.revision()) : e;
        }

        SiteState route(String host) {
            Site e = effective(host);
            for (int i = host.indexOf('.'); e == null && i >= 0; i = host.indexOf('.', i + 1)) {
                e = effective("*." + host.substring(i + 1));
            }
            return e == null ? null : e.state();
        }

        Map<SiteState, Integer> counts(String group, boolean all) {
            Map<SiteState, Integer> m = new EnumMap<>(SiteState.class);
            for (SiteState st : SiteState.values()) {
                m.put(st, 0);
            }
            for (String name : entries.keySet()) {
                Site e = effective(name);
                if (all || (group != null && group.equals(e.group()))) {
                    m.merge(e.state(), 1, Integer::sum);
                }
            }
            return m;
        }
    }
}

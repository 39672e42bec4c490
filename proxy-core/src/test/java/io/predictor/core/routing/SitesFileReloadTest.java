package io.predictor.core.routing;

import static io.predictor.core.routing.SnapshotFixtures.route;
import static io.predictor.core.routing.SnapshotFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reload read against the table in service: its differences patched on, or the file read whole. */
class SitesFileReloadTest {

    private static final String BASE = """
            www.example.com        migrated     filer-042
            shop.example.org       legacy       filer-042
            down.example.org       maintenance
            *.blog.example.net     legacy       filer-007
            *.example.net          migrated     filer-007
            exact.blog.example.net migrated     filer-007
            """;

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("sites.txt");
        Files.writeString(f, text);
        return f;
    }

    private SiteTable parse(String text) throws IOException {
        SitesFileParser.Result r = SitesFileParser.parse(write(text));
        assertThat(r.problems()).isEmpty();
        return r.table();
    }

    private SitesFileParser.Result reload(String text, SiteTable inService) throws IOException {
        return SitesFileParser.reload(write(text), inService);
    }

    @Test
    void anUnchangedFileIsTheSameTableWithAnEmptyPatchAndSharesTheBigIndexes() throws IOException {
        SiteTable before = parse(BASE);
        SitesFileParser.Result r = reload(BASE, before);
        assertThat(r.differences()).isEqualTo(new SitesFileParser.Differences(0, 0, 0));
        SiteTable after = r.table();
        assertThat(after.patchSize()).isZero();
        assertThat(after.exact.index).isSameAs(before.exact.index);
        assertThat(after.wildcard.index).isSameAs(before.wildcard.index);
        assertSameRouting(after, before);
    }

    @Test
    void sitesAddedChangedAndRemovedAreAPatchThatRoutesAsTheFileReadWhole() throws IOException {
        SiteTable before = parse(BASE);
        String next = """
                www.example.com        legacy       filer-042
                shop.example.org       legacy       filer-100
                *.blog.example.net     hold         filer-007
                exact.blog.example.net migrated     filer-007
                new.example.com        maintenance  filer-100
                *.new.example.org      migrated
                """; // down.example.org and *.example.net removed
        SitesFileParser.Result r = reload(next, before);
        assertThat(r.differences()).isEqualTo(new SitesFileParser.Differences(2, 3, 2));
        SiteTable after = r.table();
        assertThat(after.exact.index).isSameAs(before.exact.index);
        assertThat(after.patchSize()).isEqualTo(2 + 3 + 2);
        assertThat(after.size()).isEqualTo(6);
        assertSameRouting(after, parse(next));

        RoutingSnapshot s = RoutingSnapshot.of(after, 3, SiteState.LEGACY);
        assertThat(s.describe("www.example.com")).isEqualTo(new SiteView("www.example.com", SiteState.LEGACY, "filer-042", 0));
        assertThat(s.describe("a.new.example.org")).isEqualTo(new SiteView("*.new.example.org", SiteState.MIGRATED, null, 0));
        assertThat(s.describe("down.example.org")).as("removed").isNull();
        assertThat(s.describe("x.example.net")).as("the removed wildcard").isNull();
        assertThat(state(s, "x.blog.example.net")).isEqualTo(SiteState.HOLD);
        assertThat(route(s, "shop.example.org")).isEqualTo(Route.LEGACY);
        assertThat(s.groupCountsByState("filer-100"))
                .isEqualTo(Map.of(SiteState.LEGACY, 1, SiteState.MIGRATED, 0, SiteState.MAINTENANCE, 1, SiteState.HOLD, 0));
        assertThat(s.overrideCount()).as("the file's differences are no runtime overrides").isZero();
    }

    @Test
    void runtimeOverridesStayAboveAPatchedBase() throws IOException {
        SiteTable before = parse(BASE);
        SiteTable after = reload(BASE.replace("shop.example.org       legacy", "shop.example.org       migrated")
                + "added.example.com migrated filer-042\n", before).table();
        List<SiteOverride> sites = List.of(new SiteOverride("shop.example.org", SiteState.HOLD, "filer-042", 4));
        List<GroupOverride> groups = List.of(new GroupOverride("filer-042", SiteState.MAINTENANCE, 2));
        RoutingSnapshot s = RoutingSnapshot.of(after, sites, groups, 5, SiteState.LEGACY);
        assertThat(s.describe("shop.example.org")).as("the site override, newer than its group's")
                .isEqualTo(new SiteView("shop.example.org", SiteState.HOLD, "filer-042", 4));
        assertThat(s.describe("added.example.com")).as("a patched entry takes its group's override")
                .isEqualTo(new SiteView("added.example.com", SiteState.MAINTENANCE, "filer-042", 2));
        assertThat(s.groupCountsByState("filer-042").get(SiteState.MAINTENANCE)).isEqualTo(2);
        assertThat(s.groupCountsByState("filer-042").get(SiteState.HOLD)).isEqualTo(1);
        assertThat(s.overrideCount()).isEqualTo(2);
        RoutingSnapshot deleted = s.with(new SiteOverride("added.example.com", null, null, 6));
        assertThat(deleted.describe("added.example.com")).isNull();
        assertThat(deleted.countsByState().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(6);
    }

    @Test
    void aSecondReloadPatchesTheBigIndexAgainNotThePatch() throws IOException {
        SiteTable first = parse(BASE);
        SiteTable second = reload(BASE.replace("down.example.org       maintenance\n", "") + "one.example.com legacy\n",
                first).table();
        SitesFileParser.Result r = reload(BASE + "two.example.com hold g9\n", second);
        assertThat(r.differences()).as("down back, one gone, two new").isEqualTo(new SitesFileParser.Differences(2, 0, 1));
        assertThat(r.table().patchSize()).isEqualTo(1);
        assertThat(r.table().exact.index).isSameAs(first.exact.index);
        assertSameRouting(r.table(), parse(BASE + "two.example.com hold g9\n"));
    }

    @Test
    void aFileWithErrorsListsTheSameProblemsAsWhenReadWhole() throws IOException {
        SiteTable before = parse(BASE);
        String bad = BASE + "www.example.com legacy\nnew.example.com nowhere\nnew.example.com legacy\nnew.example.com hold\n"
                + "*.example.net legacy\n";
        SitesFileParser.Result r = reload(bad, before);
        SitesFileParser.Result whole = SitesFileParser.parse(write(bad));
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).hasSize(4).isEqualTo(whole.problems());
        assertThat(r.problemCount()).isEqualTo(whole.problemCount());
    }

    @Test
    void moreDifferencesThanTheLimitReadTheFileWhole() throws IOException {
        SiteTable before = parse(BASE);
        String next = "a.example.com legacy\nb.example.com legacy\nc.example.com legacy\n";
        SitesFileParser.Result r = SitesFileParser.reload(write(next), before, 4);
        assertThat(r.differences()).as("read whole").isNull();
        assertThat(r.table().patchSize()).isZero();
        assertThat(r.table().exact.index).isNotSameAs(before.exact.index);
        assertSameRouting(r.table(), parse(next));

        SitesFileParser.Result removalsPastTheLimit = SitesFileParser.reload(write("www.example.com migrated filer-042\n"),
                before, 4);
        assertThat(removalsPastTheLimit.differences()).isNull();
        assertThat(removalsPastTheLimit.table().size()).isEqualTo(1);
    }

    @Test
    void randomEditsPatchedRouteListAndCountAsTheFileReadWhole() throws IOException {
        Random random = new Random(42);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            lines.add(line(random, i));
        }
        SiteTable inService = parse(String.join("\n", lines));
        for (int round = 0; round < 5; round++) {
            for (int k = 0; k < 12; k++) {
                int i = random.nextInt(lines.size());
                switch (random.nextInt(3)) {
                    case 0 -> lines.remove(i);
                    case 1 -> lines.set(i, line(random, Integer.parseInt(lines.get(i).replaceAll("\\D*(\\d+).*", "$1"))));
                    default -> lines.add(i, line(random, 1000 + round * 100 + k));
                }
            }
            String text = String.join("\n", lines);
            SitesFileParser.Result r = reload(text, inService);
            assertThat(r.differences()).as("round %d patched", round).isNotNull();
            assertSameRouting(r.table(), parse(text));
            inService = r.table();
        }
    }

    private static String line(Random random, int i) {
        String host = (random.nextInt(5) == 0 ? "*." : "") + "s" + i + ".example.com";
        return host + " " + SiteState.ofCode(random.nextInt(4)).wireName() + (random.nextBoolean() ? " g" + random.nextInt(6) : "");
    }

    /** Same routes, same entries, same counts, same listing. */
    private static void assertSameRouting(SiteTable actual, SiteTable expected) {
        RoutingSnapshot a = RoutingSnapshot.of(actual, 1, SiteState.LEGACY);
        RoutingSnapshot e = RoutingSnapshot.of(expected, 1, SiteState.LEGACY);
        assertThat(actual.size()).isEqualTo(expected.size());
        SiteQueries.Page page = SiteQueries.page(a, null, null, null, 100_000);
        assertThat(page.sites()).isEqualTo(SiteQueries.page(e, null, null, null, 100_000).sites());
        for (SiteView v : page.sites()) {
            String host = v.host().startsWith("*.") ? "x" + v.host().substring(1) : v.host();
            assertThat(a.describe(host)).as(host).isEqualTo(e.describe(host));
            assertThat(route(a, host)).as(host).isEqualTo(route(e, host));
        }
        for (String absent : List.of("nowhere.example.com", "s1.example.com", "a.s2.example.com", "down.example.org")) {
            assertThat(a.describe(absent)).as(absent).isEqualTo(e.describe(absent));
        }
        assertThat(a.countsByState()).isEqualTo(e.countsByState());
        SnapshotFixtures.assertSameGroupCounts(a.groupCounts(), e.groupCounts());
    }
}

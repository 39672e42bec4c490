package io.predictor.core.routing;

import static io.predictor.core.routing.SnapshotFixtures.base;
import static io.predictor.core.routing.SnapshotFixtures.route;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingSnapshotTest {

    @Test
    void eachStateTakesItsRouteAndUnknownHostsTakeTheDefault() {
        RoutingSnapshot s = RoutingSnapshot.of(base(), 0, SiteState.LEGACY);
        assertThat(route(s, "www.example.com")).isEqualTo(Route.LOCAL);
        assertThat(route(s, "shop.example.org")).isEqualTo(Route.LEGACY);
        assertThat(route(s, "down.example.org")).isEqualTo(Route.MAINTENANCE);
        assertThat(route(s, "nobody.example")).isEqualTo(Route.LEGACY);
        assertThat(route(RoutingSnapshot.of(base(), 0, SiteState.MIGRATED), "nobody.example")).isEqualTo(Route.LOCAL);
    }

    @Test
    void exactBeatsWildcardAndLongestWildcardWins() {
        RoutingSnapshot s = RoutingSnapshot.of(base(), 0, SiteState.MAINTENANCE);
        assertThat(route(s, "exact.blog.example.net")).isEqualTo(Route.LOCAL);
        assertThat(route(s, "a.blog.example.net")).isEqualTo(Route.LEGACY);
        assertThat(route(s, "a.b.blog.example.net")).isEqualTo(Route.LEGACY);
        assertThat(route(s, "other.example.net")).isEqualTo(Route.LOCAL);
        assertThat(route(s, "blog.example.net")).as("*.x.y matches x.y? no: it falls to *.example.net")
                .isEqualTo(Route.LOCAL);
        assertThat(route(s, "example.net")).as("a wildcard never matches its own suffix").isEqualTo(Route.MAINTENANCE);
    }

    @Test
    void caseAndPortVariantsMatch() {
        RoutingSnapshot s = RoutingSnapshot.of(base(), 0, SiteState.MAINTENANCE);
        assertThat(route(s, "WWW.EXAMPLE.COM:8080")).isEqualTo(Route.LOCAL);
        assertThat(route(s, "www.example.com.")).isEqualTo(Route.LOCAL);
        assertThat(route(s, "A.Blog.Example.Net:443")).isEqualTo(Route.LEGACY);
    }

    @Test
    void newestOfSiteOverrideGroupOverrideAndBaseWins() {
        SiteTable base = base();
        RoutingSnapshot s = RoutingSnapshot.of(base,
                List.of(new SiteOverride("shop.example.org", SiteState.MAINTENANCE, "filer-042", 1)),
                List.of(new GroupOverride("filer-042", SiteState.HOLD, 2)), 2, SiteState.LEGACY);
        assertThat(route(s, "shop.example.org")).as("group flip after site change").isEqualTo(Route.HOLD);
        assertThat(route(s, "www.example.com")).isEqualTo(Route.HOLD);

        s = RoutingSnapshot.of(base,
                List.of(new SiteOverride("shop.example.org", SiteState.MAINTENANCE, "filer-042", 3)),
                List.of(new GroupOverride("filer-042", SiteState.HOLD, 2)), 3, SiteState.LEGACY);
        assertThat(route(s, "shop.example.org")).as("site change after group flip").isEqualTo(Route.MAINTENANCE);
        assertThat(s.describe("shop.example.org")).isEqualTo(new SiteView("shop.example.org", SiteState.MAINTENANCE, "filer-042", 3));
        assertThat(s.describe("www.example.com")).isEqualTo(new SiteView("www.example.com", SiteState.HOLD, "filer-042", 2));
    }

    @Test
    void deletedSiteFallsToWildcardThenDefault() {
        RoutingSnapshot s = RoutingSnapshot.of(base(),
                List.of(new SiteOverride("exact.blog.example.net", null, null, 1),
                        new SiteOverride("www.example.com", null, null, 1),
                        new SiteOverride("new.example.com", SiteState.MIGRATED, "filer-new", 1)),
                List.of(), 1, SiteState.MAINTENANCE);
        assertThat(route(s, "exact.blog.example.net")).isEqualTo(Route.LEGACY);
        assertThat(route(s, "www.example.com")).isEqualTo(Route.MAINTENANCE);
        assertThat(route(s, "new.example.com")).isEqualTo(Route.LOCAL);
        assertThat(s.describe("www.example.com")).isNull();
        assertThat(s.describe("x.blog.example.net").host()).isEqualTo("*.blog.example.net");
    }

    @Test
    void countsFollowOverrides() {
        SiteTable base = base();
        RoutingSnapshot s = RoutingSnapshot.of(base, 0, SiteState.LEGACY);
        assertThat(s.countsByState()).containsEntry(SiteState.MIGRATED, 3).containsEntry(SiteState.LEGACY, 2)
                .containsEntry(SiteState.MAINTENANCE, 1).containsEntry(SiteState.HOLD, 0);
        s = RoutingSnapshot.of(base,
                List.of(new SiteOverride("shop.example.org", SiteState.MIGRATED, "filer-042", 3),
                        new SiteOverride("down.example.org", null, null, 4),
                        new SiteOverride("new.example.com", SiteState.LEGACY, "filer-042", 5)),
                List.of(new GroupOverride("filer-042", SiteState.MAINTENANCE, 2)), 5, SiteState.LEGACY);
        assertThat(s.countsByState()).containsEntry(SiteState.MAINTENANCE, 1).containsEntry(SiteState.MIGRATED, 3)
                .containsEntry(SiteState.LEGACY, 2).containsEntry(SiteState.HOLD, 0);
        assertThat(s.groupCountsByState("filer-042")).containsEntry(SiteState.MAINTENANCE, 1)
                .containsEntry(SiteState.MIGRATED, 1).containsEntry(SiteState.LEGACY, 1);
        assertThat(s.groupCountsByState("nope").values()).allMatch(v -> v == 0);
    }

    @Test
    void pagesAreOrderedByHostWithCursorAndFilters() {
        RoutingSnapshot s = RoutingSnapshot.of(base(),
                List.of(new SiteOverride("aaa.example.com", SiteState.LEGACY, null, 1),
                        new SiteOverride("shop.example.org", null, null, 2)),
                List.of(), 2, SiteState.LEGACY);
        SiteQueries.Page p = SiteQueries.page(s, null, null, null, 3);
        assertThat(p.sites()).extracting(SiteView::host)
                .containsExactly("*.blog.example.net", "*.example.net", "aaa.example.com");
        assertThat(p.next()).isEqualTo("aaa.example.com");
        p = SiteQueries.page(s, null, null, p.next(), 10);
        assertThat(p.sites()).extracting(SiteView::host)
                .containsExactly("down.example.org", "exact.blog.example.net", "www.example.com");
        assertThat(p.next()).isNull();
        p = SiteQueries.page(s, SiteState.MIGRATED, "filer-007", null, 10);
        assertThat(p.sites()).extracting(SiteView::host).containsExactly("*.example.net", "exact.blog.example.net");
    }
}

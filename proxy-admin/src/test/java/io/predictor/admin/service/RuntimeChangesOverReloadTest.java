package io.predictor.admin.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.testing.MemoryStateStore;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.routing.SitesFileParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How runtime site changes hold over a reloaded sites file: a change that set a state leaves the
 * site's group to the file (found by review: it pinned the group); a change that moved the site
 * to another group keeps it there, through later state-only changes.
 */
class RuntimeChangesOverReloadTest {

    @TempDir
    Path tmp;
    final MemoryStateStore store = new MemoryStateStore();
    Router router;

    SiteService service(Path sites) throws Exception {
        SiteTable base = SitesFileParser.parse(sites).table();
        router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
        SiteService s = new SiteService(base, sites, SiteState.LEGACY, router, store, new RecordingLog(),
                SiteServiceTest.CLOCK);
        s.recover(store.load());
        return s;
    }

    Route route(String host) {
        byte[] b = HostName.normalize(host).getBytes(StandardCharsets.ISO_8859_1);
        return router.route(b, b.length);
    }

    /**
     * A state-only PUT (no "group" in the body) copies the site's group of that moment into the
     * override, so the site stays pinned to that group for ever: after the sites file moves the
     * site to another filer and is reloaded, the flip of the new filer's group leaves the site
     * behind on the old side.
     */
    @Test
    void aStateOnlyChangeDoesNotPinTheGroupAgainstAReloadedSitesFile() throws Exception {
        Path sites = tmp.resolve("sites.txt");
        Files.writeString(sites, "x.example.com legacy filer-1\nother.example.com legacy filer-2\n");
        SiteService s = service(sites);
        // an aborted cut-over of x alone: maintenance, then back to legacy (state only, no group given)
        s.putSite("x.example.com", SiteServiceTest.to(SiteState.MAINTENANCE), Preconditions.NONE, "ops");
        s.putSite("x.example.com", SiteServiceTest.to(SiteState.LEGACY), Preconditions.NONE, "ops");

        // x's data moves to filer-2; the file says so and is reloaded
        Files.writeString(sites, "x.example.com legacy filer-2\nother.example.com legacy filer-2\n");
        s.reload(Preconditions.NONE, "ops");

        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        soft.assertThat(s.snapshot().describe("x.example.com").group())
                .as("x's group after the reload (the runtime change never named a group)").isEqualTo("filer-2");
        // the cut-over of filer-2: step 1 of SPEC §5
        SiteService.GroupResult r = s.putGroup("filer-2", SiteState.MAINTENANCE, Preconditions.NONE, "ops");
        soft.assertThat(r.sites()).as("sites the filer-2 flip moves").isEqualTo(2);
        soft.assertThat(route("x.example.com")).as("x during filer-2's copy").isEqualTo(Route.MAINTENANCE);
        soft.assertAll();
    }

    /** An operator's runtime move to another group holds over the file, and a later state-only change keeps it. */
    @Test
    void aRuntimeMoveToAnotherGroupHoldsOverTheFile() throws Exception {
        Path sites = tmp.resolve("sites.txt");
        Files.writeString(sites, "x.example.com legacy filer-1\nother.example.com legacy filer-2\n");
        SiteService s = service(sites);
        s.putSite("x.example.com", new SiteService.SiteUpdate(SiteState.LEGACY, true, "filer-3"), Preconditions.NONE,
                "ops");
        s.putSite("x.example.com", SiteServiceTest.to(SiteState.MAINTENANCE), Preconditions.NONE, "ops");
        Files.writeString(sites, "x.example.com legacy filer-2\nother.example.com legacy filer-2\n");
        s.reload(Preconditions.NONE, "ops");
        assertThat(s.snapshot().describe("x.example.com").group()).isEqualTo("filer-3");
        assertThat(s.snapshot().describe("x.example.com").state()).isEqualTo(SiteState.MAINTENANCE);

        // and a restart replays the journal to the same table
        SiteService again = service(sites);
        assertThat(again.snapshot().describe("x.example.com").group()).isEqualTo("filer-3");
    }

    /** A site created at runtime without a group takes the group the file gives it later. */
    @Test
    void aSiteCreatedWithoutAGroupTakesTheFilesGroupLater() throws Exception {
        Path sites = tmp.resolve("sites.txt");
        Files.writeString(sites, "other.example.com legacy filer-2\n");
        SiteService s = service(sites);
        s.putSite("new.example.com", SiteServiceTest.to(SiteState.LEGACY), Preconditions.NONE, "ops");
        assertThat(s.snapshot().describe("new.example.com").group()).isNull();
        Files.writeString(sites, "other.example.com legacy filer-2\nnew.example.com legacy filer-2\n");
        s.reload(Preconditions.NONE, "ops");
        assertThat(s.snapshot().describe("new.example.com").group()).isEqualTo("filer-2");
        assertThat(s.putGroup("filer-2", SiteState.MAINTENANCE, Preconditions.NONE, "ops").sites()).isEqualTo(2);
    }

    /**
     * A name served by a wildcard, made a site of its own at runtime without a group, lives where
     * the wildcard's sites live: it takes the wildcard's group, so the group's cut-over includes
     * it. It had no group, and the cut-over left it routing to the old side (found by review).
     */
    @Test
    void aNewSiteUnderAWildcardTakesTheWildcardsGroup() throws Exception {
        Path sites = tmp.resolve("sites.txt");
        Files.writeString(sites, "*.blog.example.net legacy filer-7\n");
        SiteService s = service(sites);
        s.putSite("mine.blog.example.net", SiteServiceTest.to(SiteState.LEGACY), Preconditions.NONE, "ops");
        assertThat(s.snapshot().entry("mine.blog.example.net").group()).isEqualTo("filer-7");
        assertThat(s.putGroup("filer-7", SiteState.MAINTENANCE, Preconditions.NONE, "ops").sites()).isEqualTo(2);
        assertThat(route("mine.blog.example.net")).isEqualTo(Route.MAINTENANCE);
    }
}

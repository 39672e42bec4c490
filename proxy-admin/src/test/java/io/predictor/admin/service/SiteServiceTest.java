package io.predictor.admin.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeRecord;
import io.predictor.admin.testing.MemoryStateStore;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.admin.testing.Tables;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SitesFileParser;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.routing.SiteView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiteServiceTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;
    final MemoryStateStore store = new MemoryStateStore();
    final RecordingLog log = new RecordingLog();
    Router router;

    SiteService service(SiteTable base) {
        return service(base, tmp.resolve("sites.txt"));
    }

    SiteService service(SiteTable base, Path sitesFile) {
        router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
        SiteService s = new SiteService(base, sitesFile, SiteState.LEGACY, router, store, log, CLOCK);
        s.recover(store.load());
        return s;
    }

    static SiteService.SiteUpdate to(SiteState s) {
        return new SiteService.SiteUpdate(s, false, null);
    }

    static Preconditions force() {
        return new Preconditions(null, null, true);
    }

    static Route route(Router r, String host) {
        byte[] b = HostName.normalize(host).getBytes(StandardCharsets.ISO_8859_1);
        return r.route(b, b.length);
    }

    @Test
    void legacyToMigratedMustPassThroughMaintenanceOrHold() throws Exception {
        SiteService s = service(Tables.small());
        assertThatThrownBy(() -> s.putSite("shop.example.com", to(SiteState.MIGRATED), Preconditions.NONE, "ops"))
                .isInstanceOfSatisfying(ChangeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.TRANSITION))
                .hasMessageContaining("legacy → migrated must pass through maintenance or hold");
        assertThat(store.records).as("nothing written for a refused change").isEmpty();

        s.putSite("shop.example.com", to(SiteState.HOLD), Preconditions.NONE, "ops");
        SiteView v = s.putSite("shop.example.com", to(SiteState.MIGRATED), Preconditions.NONE, "ops");
        assertThat(v).isEqualTo(new SiteView("shop.example.com", SiteState.MIGRATED, "g1", 2));
        assertThatThrownBy(() -> s.putSite("shop.example.com", to(SiteState.LEGACY), Preconditions.NONE, "ops"))
                .hasMessageContaining("migrated → legacy");
        s.putSite("shop.example.com", to(SiteState.MAINTENANCE), Preconditions.NONE, "ops");
        s.putSite("shop.example.com", to(SiteState.LEGACY), Preconditions.NONE, "ops");
        assertThat(log.audit).extracting(ChangeRecord::forced).containsOnly(false);
    }

    @Test
    void forceAllowsTheJumpAndMarksItInTheAuditLog() throws Exception {
        SiteService s = service(Tables.small());
        s.putSite("shop.example.com", to(SiteState.MIGRATED), force(), "ops");
        assertThat(log.audit).singleElement().satisfies(r -> {
            assertThat(r.forced()).isTrue();
            assertThat(r.who()).isEqualTo("ops");
            assertThat(r.change()).isEqualTo(new Change.Site("shop.example.com",
                    new Change.Entry(SiteState.LEGACY, "g1"), new Change.Entry(SiteState.MIGRATED, "g1")));
        });
        // force on a move that needs none is not "forced"
        s.putSite("shop.example.com", to(SiteState.HOLD), force(), "ops");
        assertThat(log.audit.get(1).forced()).isFalse();
    }

    @Test
    void aNewSiteIsJudgedByWhatRoutesItNow() throws Exception {
        SiteService s = service(Tables.small());
        assertThatThrownBy(() -> s.putSite("new.example.com", to(SiteState.MIGRATED), Preconditions.NONE, "ops"))
                .hasMessageContaining("not in the table; routed as legacy");
        assertThatThrownBy(() -> s.putSite("x.blog.example.net", to(SiteState.MIGRATED), Preconditions.NONE, "ops"))
                .as("covered by *.blog.example.net (legacy)").hasMessageContaining("routed as legacy");
        assertThat(s.putSite("new.example.com", new SiteService.SiteUpdate(SiteState.MAINTENANCE, true, "g9"),
                Preconditions.NONE, "ops")).isEqualTo(new SiteView("new.example.com", SiteState.MAINTENANCE, "g9", 1));
        assertThat(s.putSite("NEW.Example.COM.", to(SiteState.MIGRATED), Preconditions.NONE, "ops").group())
                .as("normalised; the group is kept when not given").isEqualTo("g9");
    }

    @Test
    void expectRefusesWhenTheStateDiffers() throws Exception {
        SiteService s = service(Tables.small());
        Preconditions expectHold = new Preconditions(null, SiteState.HOLD, false);
        assertThatThrownBy(() -> s.putSite("shop.example.com", to(SiteState.MAINTENANCE), expectHold, "ops"))
                .isInstanceOfSatisfying(ChangeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.EXPECT))
                .hasMessageContaining("shop.example.com is legacy, not hold");
        s.putSite("shop.example.com", to(SiteState.MAINTENANCE), new Preconditions(null, SiteState.LEGACY, false), "ops");
        assertThat(store.records).hasSize(1);
    }

    @Test
    void ifMatchRefusesWhenTheTableMovedOn() throws Exception {
        SiteService s = service(Tables.small());
        s.putSite("shop.example.com", to(SiteState.HOLD), new Preconditions(0L, null, false), "ops");
        assertThatThrownBy(() -> s.putSite("www.example.com", to(SiteState.HOLD), new Preconditions(0L, null, false), "ops"))
                .isInstanceOfSatisfying(ChangeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.PRECONDITION))
                .hasMessageContaining("revision 1, not 0");
        assertThatThrownBy(() -> s.putGroup("g1", SiteState.HOLD, new Preconditions(7L, null, false), "ops"))
                .hasMessageContaining("revision 1, not 7");
        s.putGroup("g1", SiteState.HOLD, new Preconditions(1L, null, false), "ops");
        assertThat(s.snapshot().revision()).isEqualTo(2);
    }

    @Test
    void aGroupFlipIsOneRevisionAndGuardedLikeASite() throws Exception {
        SiteService s = service(Tables.small());
        assertThatThrownBy(() -> s.putGroup("g1", SiteState.MIGRATED, Preconditions.NONE, "ops"))
                .hasMessageContaining("group g1 has 1 legacy site(s)");
        assertThatThrownBy(() -> s.putGroup("g1", SiteState.LEGACY, Preconditions.NONE, "ops"))
                .hasMessageContaining("group g1 has 1 migrated site(s)");
        assertThatThrownBy(() -> s.putGroup("g1", SiteState.HOLD, new Preconditions(null, SiteState.LEGACY, false), "ops"))
                .hasMessageContaining("not entirely legacy: 1 legacy, 1 migrated");
        SiteService.GroupResult r = s.putGroup("g1", SiteState.MAINTENANCE, Preconditions.NONE, "ops");
        assertThat(r).isEqualTo(new SiteService.GroupResult("g1", 2, 1));
        assertThat(route(router, "www.example.com")).isEqualTo(Route.MAINTENANCE);
        assertThat(route(router, "shop.example.com")).isEqualTo(Route.MAINTENANCE);
        s.putGroup("g1", SiteState.MIGRATED, new Preconditions(null, SiteState.MAINTENANCE, false), "ops");
        assertThat(route(router, "shop.example.com")).isEqualTo(Route.LOCAL);
        assertThat(store.records).hasSize(2);
        assertThatThrownBy(() -> s.putGroup("nope", SiteState.HOLD, Preconditions.NONE, "ops"))
                .isInstanceOfSatisfying(ChangeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.NOT_FOUND));
    }

    @Test
    void aSiteChangeAfterAGroupFlipWinsAndAGroupFlipAfterItWinsAgain() throws Exception {
        SiteService s = service(Tables.small());
        s.putGroup("g1", SiteState.HOLD, Preconditions.NONE, "ops");
        s.putSite("shop.example.com", to(SiteState.LEGACY), Preconditions.NONE, "ops");
        assertThat(route(router, "shop.example.com")).isEqualTo(Route.LEGACY);
        assertThat(route(router, "www.example.com")).isEqualTo(Route.HOLD);
        s.putGroup("g1", SiteState.MAINTENANCE, Preconditions.NONE, "ops");
        assertThat(route(router, "shop.example.com")).isEqualTo(Route.MAINTENANCE);
    }

    @Test
    void aConcurrentReaderNeverSeesHalfAGroupFlipped() throws Exception {
        int n = 10_000;
        SiteService s = service(Tables.group("filer-1", n, SiteState.LEGACY));
        byte[][] hosts = new byte[n][];
        for (int i = 0; i < n; i++) {
            hosts[i] = ("s" + i + ".big.example").getBytes(StandardCharsets.ISO_8859_1);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> mixed = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get() && mixed.get() == null) {
                RoutingSnapshot snap = router.current(); // what a request does: one read, then only this snapshot
                Route first = snap.route(hosts[0], hosts[0].length);
                for (int i = 1; i < n; i++) {
                    Route r = snap.route(hosts[i], hosts[i].length);
                    if (r != first) {
                        mixed.set("revision " + snap.revision() + ": site 0 " + first + ", site " + i + " " + r);
                        break;
                    }
                }
                passes.incrementAndGet();
            }
        });
        reader.start();
        SiteState[] cycle = {SiteState.MAINTENANCE, SiteState.MIGRATED, SiteState.HOLD, SiteState.LEGACY};
        long deadline = System.nanoTime() + 20_000_000_000L;
        int flips = 0;
        // keep flipping until the reader has checked many snapshots while flips were happening
        while ((flips < 200 || passes.get() < 50) && mixed.get() == null && System.nanoTime() < deadline) {
            s.putGroup("filer-1", cycle[flips++ % 4], Preconditions.NONE, "ops");
        }
        stop.set(true);
        reader.join();
        assertThat(mixed.get()).isNull();
        assertThat(passes.get()).isGreaterThanOrEqualTo(50);
        assertThat(store.records).as("one record per flip, however many sites").hasSize(flips);
    }

    @Test
    void everyChangeIsInTheRoutersSnapshotWhenTheCallReturns() throws Exception {
        SiteService s = service(Tables.small());
        SiteState[] cycle = {SiteState.HOLD, SiteState.MIGRATED, SiteState.MAINTENANCE, SiteState.LEGACY};
        for (int k = 0; k < 100; k++) {
            SiteState next = cycle[k % 4];
            s.putSite("shop.example.com", to(next), Preconditions.NONE, "ops");
            assertThat(route(router, "shop.example.com")).isEqualTo(next.route());
            assertThat(router.current().revision()).isEqualTo(k + 1);
        }
    }

    @Test
    void aStoreFailureAppliesNothing() throws Exception {
        SiteService s = service(Tables.small());
        store.failNext = true;
        assertThatThrownBy(() -> s.putSite("shop.example.com", to(SiteState.HOLD), Preconditions.NONE, "ops"))
                .isInstanceOf(IOException.class);
        assertThat(route(router, "shop.example.com")).isEqualTo(Route.LEGACY);
        assertThat(s.snapshot().revision()).isZero();
        assertThat(log.audit).isEmpty();
    }

    @Test
    void deleteFallsBackToTheWildcardOrDefaultAndIsGuarded() throws Exception {
        SiteService s = service(Tables.small());
        assertThatThrownBy(() -> s.deleteSite("www.example.com", Preconditions.NONE, "ops"))
                .as("migrated → default legacy is a jump").hasMessageContaining("migrated → legacy");
        SiteService.DeleteResult d = s.deleteSite("a.blog.example.net", Preconditions.NONE, "ops");
        assertThat(d).isEqualTo(new SiteService.DeleteResult("a.blog.example.net", SiteState.LEGACY, 1));
        assertThat(s.snapshot().describe("a.blog.example.net").host()).isEqualTo("*.blog.example.net");
        assertThatThrownBy(() -> s.deleteSite("a.blog.example.net", Preconditions.NONE, "ops"))
                .isInstanceOfSatisfying(ChangeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.NOT_FOUND));
        s.deleteSite("www.example.com", force(), "ops");
        assertThat(s.snapshot().describe("www.example.com")).isNull();
        assertThat(log.audit.get(1).forced()).isTrue();
        assertThat(log.audit.get(1).change()).isEqualTo(new Change.Site("www.example.com",
                new Change.Entry(SiteState.MIGRATED, "g1"), null));
    }

    @Test
    void wildcardSitesCanBeCreatedAndChanged() throws Exception {
        SiteService s = service(Tables.small());
        s.putSite("*.Shop.Example.ORG", to(SiteState.MAINTENANCE), Preconditions.NONE, "ops");
        assertThat(route(router, "x.shop.example.org")).isEqualTo(Route.MAINTENANCE);
        assertThat(route(router, "shop.example.org")).isEqualTo(Route.LEGACY);
        s.putSite("*.blog.example.net", to(SiteState.HOLD), Preconditions.NONE, "ops");
        assertThat(route(router, "zzz.blog.example.net")).isEqualTo(Route.HOLD);
    }

    @Test
    void invalidNamesAreRefused() {
        SiteService s = service(Tables.small());
        for (String bad : List.of("", "a b", "host:80", "[::1]", "a.*.b", "*", "*.", "a..", "exämple.com")) {
            assertThatThrownBy(() -> s.putSite(bad, to(SiteState.HOLD), Preconditions.NONE, "ops")).as(bad)
                    .isInstanceOfSatisfying(ChangeRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.INVALID));
        }
        assertThatThrownBy(() -> s.putSite("ok.example", new SiteService.SiteUpdate(SiteState.HOLD, true, "a b"),
                Preconditions.NONE, "ops")).hasMessageContaining("invalid group");
        assertThatThrownBy(() -> s.putGroup("#x", SiteState.HOLD, Preconditions.NONE, "ops"))
                .hasMessageContaining("invalid group");
    }

    @Test
    void recoveryReappliesChangesInRevisionOrderOverTheBase() throws Exception {
        SiteService first = service(Tables.small());
        first.putSite("shop.example.com", to(SiteState.HOLD), Preconditions.NONE, "ops");
        first.putGroup("g1", SiteState.MAINTENANCE, Preconditions.NONE, "ops");
        first.putSite("www.example.com", to(SiteState.MIGRATED), Preconditions.NONE, "ops");
        first.deleteSite("down.example.com", Preconditions.NONE, "ops");
        RoutingSnapshot before = first.snapshot();

        SiteService second = service(Tables.small()); // same store, a fresh process
        RoutingSnapshot after = second.snapshot();
        assertThat(after.revision()).isEqualTo(4);
        for (String h : List.of("shop.example.com", "www.example.com", "down.example.com", "a.blog.example.net")) {
            assertThat(after.describe(h)).as(h).isEqualTo(before.describe(h));
        }
        assertThat(router.current()).isSameAs(after);
        assertThat(second.history(0, 100).changes()).hasSize(4);
    }

    @Test
    void reloadKeepsRuntimeChangesOnTopAndRefusesAnInvalidFileWholesale() throws Exception {
        Path sites = tmp.resolve("sites.txt");
        Files.writeString(sites, "www.example.com migrated g1\nshop.example.com legacy g1\n");
        SiteService s = service(Tables.small(), sites);
        s.putSite("shop.example.com", to(SiteState.HOLD), Preconditions.NONE, "ops");
        Files.writeString(sites, "www.example.com migrated g1\nshop.example.com legacy g1\nadded.example.com migrated\n");
        SiteService.ReloadResult r = s.reload(Preconditions.NONE, "ops");
        assertThat(r).as("patched: added.example.com in, down and both blog entries out")
                .isEqualTo(new SiteService.ReloadResult(2, 3, new SitesFileParser.Differences(1, 0, 3)));
        assertThat(route(router, "added.example.com")).isEqualTo(Route.LOCAL);
        assertThat(route(router, "shop.example.com")).as("runtime change kept").isEqualTo(Route.HOLD);
        assertThat(route(router, "down.example.com")).as("gone from the file").isEqualTo(Route.LEGACY);

        Files.writeString(sites, "ok.example.com legacy\nbad.example.com nowhere\nworse.example.com\n");
        assertThatThrownBy(() -> s.reload(Preconditions.NONE, "ops"))
                .isInstanceOfSatisfying(ChangeRefusedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.SITES_FILE);
                    assertThat(e.details()).hasSize(2);
                    assertThat(e.details().get(0)).startsWith(sites + ":2: unknown state 'nowhere'");
                    assertThat(e.details().get(1)).startsWith(sites + ":3: ");
                });
        assertThat(s.snapshot().revision()).isEqualTo(2);
        assertThat(route(router, "added.example.com")).isEqualTo(Route.LOCAL);
        assertThat(log.audit).hasSize(2);
        assertThat(log.audit.get(1).change()).isEqualTo(new Change.Reload(sites.toString(), 5, 3));
    }

    @Test
    void aReloadWithManyDifferencesReadsTheFileWholeAndKeepsRuntimeChangesOnTop() throws Exception {
        Path sites = tmp.resolve("sites.txt");
        SiteService s = service(Tables.small(), sites);
        s.putSite("shop.example.com", to(SiteState.HOLD), Preconditions.NONE, "ops");
        StringBuilder file = new StringBuilder("shop.example.com legacy g1\n");
        for (int i = 0; i < 2000; i++) {
            file.append("s").append(i).append(".new.example migrated g7\n");
        }
        Files.writeString(sites, file);
        SiteService.ReloadResult r = s.reload(Preconditions.NONE, "ops");
        assertThat(r).as("2004 differences, past the 1024 a patch takes: read whole")
                .isEqualTo(new SiteService.ReloadResult(2, 2001, null));
        assertThat(s.snapshot().base().patchSize()).isZero();
        assertThat(route(router, "s1999.new.example")).isEqualTo(Route.LOCAL);
        assertThat(route(router, "shop.example.com")).as("runtime change kept").isEqualTo(Route.HOLD);
        assertThat(route(router, "www.example.com")).as("gone from the file").isEqualTo(Route.LEGACY);
        assertThat(s.snapshot().groupCountsByState("g7").get(SiteState.MIGRATED)).isEqualTo(2000);
    }

    @Test
    void aReloadThatRunsOutOfHeapIsRefusedWithWhatToDoAndTheTableStays() throws Exception {
        Path sites = tmp.resolve("sites.txt");
        Files.writeString(sites, "www.example.com migrated g1\n");
        SiteService s = service(Tables.small(), sites);
        long revision = s.snapshot().revision();
        s.readSitesFileWith((file, inService, paced) -> {
            throw new OutOfMemoryError("Java heap space");
        });
        assertThatThrownBy(() -> s.reload(Preconditions.NONE, "ops"))
                .isInstanceOfSatisfying(ChangeRefusedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.HEAP);
                    assertThat(e.getMessage()).contains(sites + " ran out of heap (Java heap space)")
                            .contains("the table in service is unchanged").contains("more than 1024 sites")
                            .contains("-Xmx").contains("PREDICTOR_JVM_FLAGS");
                });
        assertThat(s.snapshot().revision()).isEqualTo(revision);
        assertThat(route(router, "shop.example.com")).as("the table in service still routes").isEqualTo(Route.LEGACY);
        assertThat(log.audit).isEmpty();
    }

    @Test
    void historyPagesInRevisionOrder() throws Exception {
        SiteService s = service(Tables.small());
        for (int i = 0; i < 5; i++) {
            s.putSite("h" + i + ".example", to(SiteState.HOLD), Preconditions.NONE, "ops");
        }
        History.Page p = s.history(0, 2);
        assertThat(p.changes()).extracting(ChangeRecord::revision).containsExactly(1L, 2L);
        assertThat(p.next()).isEqualTo(2L);
        p = s.history(p.next(), 10);
        assertThat(p.changes()).extracting(ChangeRecord::revision).containsExactly(3L, 4L, 5L);
        assertThat(p.next()).isNull();
        assertThat(s.history(5, 10).changes()).isEmpty();
    }

    /**
     * After a restart the history holds what compaction kept: revisions with gaps. A page that
     * starts before the last gap says so (completeFrom) rather than page over it silently
     * (found by review: a poller missed changes without knowing).
     */
    @Test
    void historySaysFromWhichRevisionOnItIsComplete() throws Exception {
        History h = new History();
        for (long rev : new long[] {1, 4, 7, 8, 9}) {
            h.add(new ChangeRecord(rev, java.time.Instant.EPOCH, "ops", false,
                    new io.predictor.admin.state.Change.Site("h" + rev + ".example", null,
                            new io.predictor.admin.state.Change.Entry(SiteState.HOLD, null))));
        }
        assertThat(h.after(0, 10).completeFrom()).isEqualTo(7);
        SiteService s = service(Tables.small());
        s.putSite("a.example", to(SiteState.HOLD), Preconditions.NONE, "ops");
        assertThat(s.history(0, 10).completeFrom()).as("nothing missing").isEqualTo(1);
    }
}

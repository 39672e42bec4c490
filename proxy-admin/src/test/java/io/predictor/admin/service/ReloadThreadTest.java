package io.predictor.admin.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.admin.testing.MemoryStateStore;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.admin.testing.Tables;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SitesFileParser;
import io.predictor.core.routing.SiteTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class ReloadThreadTest {

    @TempDir
    Path tmp;
    final RecordingLog log = new RecordingLog();

    @Test
    @EnabledOnOs(OS.LINUX)
    void readsRunOnTheNamedThreadAtIdlePriority() throws Exception {
        try (ReloadThread t = ReloadThread.start(log)) {
            assertThat(t.background()).isTrue();
            String seen = t.call(() -> Thread.currentThread().getName() + " " + ReloadThread.SchedStat.ofThisThread());
            assertThat(seen).isEqualTo(ReloadThread.NAME + " " + new ReloadThread.SchedStat(0, 5));
            assertThat(log.eventNames()).containsExactly("reload_thread_started");
            assertThat(log.events.get(0).fields().get("policy")).isEqualTo("SCHED_IDLE");
            assertThat(log.events.get(0).fields().get("paced")).isEqualTo(false);
            assertThat(ReloadThread.SchedStat.ofThisThread().isBackground()).as("the caller's own priority").isFalse();
        }
    }

    @Test
    void aPriorityThatCannotBeLoweredIsLoggedAndTheReadsArePaced() throws Exception {
        try (ReloadThread t = ReloadThread.start("idle", List.of(tmp.resolve("no-such-chrt").toString()), log)) {
            assertThat(t.background()).isFalse();
            assertThat(t.call(() -> Thread.currentThread().getName())).isEqualTo(ReloadThread.NAME);
            assertThat(log.eventNames()).containsExactly("reload_priority_not_lowered");
            assertThat(log.events.get(0).level()).isEqualTo(RecordingLog.Level.WARN);
            assertThat((String) log.events.get(0).fields().get("error")).contains("no-such-chrt");
            assertThat((String) log.events.get(0).fields().get("detail")).contains("paced");
        }
    }

    @Test
    void failuresReachTheCallerAsThrown() throws Exception {
        try (ReloadThread t = ReloadThread.start("normal", List.of(), log)) {
            IOException io = new IOException("disk");
            OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
            IllegalStateException ise = new IllegalStateException("bug");
            assertThatThrownBy(() -> t.call(() -> {
                throw io;
            })).isSameAs(io);
            assertThatThrownBy(() -> t.call(() -> {
                throw oom;
            })).isSameAs(oom);
            assertThatThrownBy(() -> t.call(() -> {
                throw ise;
            })).isSameAs(ise);
            assertThat(t.call(() -> 1)).as("the thread outlives them").isEqualTo(1);
        }
    }

    @Test
    void aServiceReloadsOnTheThreadUnpacedAndItsRefusalsAreUnchanged() throws Exception {
        Path sites = tmp.resolve("sites.txt");
        Files.writeString(sites, "www.example.com migrated g1\n");
        SiteTable base = Tables.small();
        Router router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
        MemoryStateStore store = new MemoryStateStore();
        SiteService s = new SiteService(base, sites, SiteState.LEGACY, router, store, log, SiteServiceTest.CLOCK);
        s.recover(store.load());
        try (ReloadThread t = ReloadThread.start(log)) {
            s.readReloadsOn(t);
            AtomicReference<String> how = new AtomicReference<>();
            s.readSitesFileWith((file, inService, paced) -> {
                how.set(Thread.currentThread().getName() + (paced ? " paced" : " unpaced"));
                return SitesFileParser.reload(file, inService, paced);
            });
            assertThat(s.reload(Preconditions.NONE, "ops").sites()).isEqualTo(1);
            boolean background = t.background();
            assertThat(how.get()).isEqualTo(ReloadThread.NAME + (background ? " unpaced" : " paced"));

            s.readSitesFileWith((file, inService, paced) -> {
                throw new OutOfMemoryError("Java heap space");
            });
            assertThatThrownBy(() -> s.reload(Preconditions.NONE, "ops"))
                    .isInstanceOfSatisfying(ChangeRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.HEAP));
            s.readSitesFileWith((file, inService, paced) -> {
                throw new java.nio.file.NoSuchFileException(file.toString());
            });
            assertThatThrownBy(() -> s.reload(Preconditions.NONE, "ops"))
                    .isInstanceOfSatisfying(ChangeRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(ChangeRefusedException.Reason.SITES_FILE));
            Files.writeString(sites, "bad.example.com nowhere\n");
            s.readSitesFileWith(SitesFileParser::reload);
            assertThatThrownBy(() -> s.reload(Preconditions.NONE, "ops"))
                    .isInstanceOfSatisfying(ChangeRefusedException.class,
                            e -> assertThat(e.details()).singleElement().asString().contains(":1: unknown state"));
            assertThat(s.revision()).isEqualTo(1);
        }
    }
}

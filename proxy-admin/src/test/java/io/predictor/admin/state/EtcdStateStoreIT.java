package io.predictor.admin.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.predictor.admin.testing.EtcdServer;
import io.predictor.admin.testing.FleetFixtures;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.core.routing.SiteState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd store's contract on a real etcd, without proxies around it. */
class EtcdStateStoreIT {

    static final String PREFIX = "/store-test/";

    @TempDir
    Path dir;
    EtcdServer etcd;
    final RecordingLog log = new RecordingLog();

    /** A stand-in for the proxy: remembers what it was given. */
    static class Recorder implements StateStore.LocalMember {
        final List<ChangeRecord> applied = new CopyOnWriteArrayList<>();
        final List<Long> closes = new CopyOnWriteArrayList<>();

        @Override
        public synchronized void applyRemote(List<ChangeRecord> changes) {
            for (ChangeRecord r : changes) {
                long last = applied.isEmpty() ? 0 : applied.get(applied.size() - 1).revision();
                if (r.revision() == last + 1) {
                    applied.add(r);
                }
            }
        }

        synchronized long revision() {
            return applied.isEmpty() ? 0 : applied.get(applied.size() - 1).revision();
        }

        @Override
        public MemberReport report() {
            return MemberReport.at(revision());
        }

        @Override
        public void closeRequested(long revision) {
            closes.add(revision);
        }
    }

    @BeforeEach
    void start() throws Exception {
        etcd = EtcdServer.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        etcd.close();
    }

    EtcdStateStore open(String name, Recorder member) throws Exception {
        EtcdStateStore s = EtcdStateStore.open(List.of(etcd.endpoint()), PREFIX, name, dir.resolve("state-" + name),
                100, log, Clock.systemUTC());
        member.applied.addAll(s.load().changes());
        s.start(member);
        assertThat(s.awaitFirstPass(java.time.Duration.ofSeconds(5))).isTrue();
        return s;
    }

    static ChangeRecord change(long revision, String host) {
        return FleetFixtures.change(revision, host);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        FleetFixtures.await(what, java.time.Duration.ofSeconds(10), condition);
    }

    @Test
    void theLoserOfARaceForARevisionIsToldTheFleetsRevisionAndGetsTheWinnersChange() throws Exception {
        Recorder ma = new Recorder();
        Recorder mb = new Recorder();
        try (EtcdStateStore a = open("a", ma); EtcdStateStore b = open("b", mb)) {
            ChangeRecord won = change(1, "one.example.com");
            a.append(won);
            ma.applied.add(won);
            assertThatThrownBy(() -> b.append(change(1, "two.example.com")))
                    .isInstanceOf(StaleRevisionException.class)
                    .satisfies(e -> assertThat(((StaleRevisionException) e).fleetRevision()).isEqualTo(1));
            await("b applies a's change", () -> mb.revision() == 1);
            assertThat(mb.applied.get(0)).isEqualTo(won);
            ChangeRecord next = change(2, "two.example.com");
            b.append(next);
            await("a applies b's change", () -> ma.revision() == 2);
            assertThat(a.members()).extracting(Fleet.Member::instance).containsExactly("a", "b");
        }
    }

    /**
     * The proxy fails to apply a change read from etcd (a bug, an OutOfMemoryError's aftermath):
     * the store counted it applied and never delivered it again, while the proxy served the state
     * before it and took changes as if nothing had happened (found by review). The member now
     * stops: it refuses changes, its member key says diverged (no barrier counts it drained), and
     * a restart applies the change from the local copy.
     */
    @Test
    void aChangeTheProxyFailsToApplyStopsTheMemberAndARestartAppliesIt() throws Exception {
        Recorder ma = new Recorder();
        Recorder failing = new Recorder() {
            @Override
            public synchronized void applyRemote(List<ChangeRecord> changes) {
                if (changes.stream().anyMatch(r -> r.revision() == 2)) {
                    throw new IllegalStateException("cannot apply revision 2 (test)");
                }
                super.applyRemote(changes);
            }
        };
        try (EtcdStateStore a = open("a", ma)) {
            EtcdStateStore b = open("b", failing);
            a.append(change(1, "one.example.com"));
            await("b applies 1", () -> failing.revision() == 1);
            a.append(change(2, "two.example.com"));
            await("b stops", () -> !b.status().available());
            assertThat(failing.revision()).isEqualTo(1);
            assertThat(log.eventNames()).contains("state_store_diverged");
            assertThatThrownBy(() -> b.append(change(3, "three.example.com")))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("applying revisions 2-2");
            await("b's member key says it diverged", () -> {
                try {
                    return a.members().stream().anyMatch(m -> m.instance().equals("b") && m.diverged());
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            b.close();
            Recorder restarted = new Recorder();
            try (EtcdStateStore b2 = open("b", restarted)) {
                assertThat(restarted.applied).extracting(ChangeRecord::revision).containsExactly(1L, 2L);
                assertThat(b2.status().available()).isTrue();
            }
        }
    }

    @Test
    void aRestartedStoreBootsFromItsLocalCopyAndCatchesUp() throws Exception {
        Recorder ma = new Recorder();
        try (EtcdStateStore a = open("a", ma)) {
            Recorder mb = new Recorder();
            EtcdStateStore b = open("b", mb);
            a.append(change(1, "one.example.com"));
            await("b applies 1", () -> mb.revision() == 1);
            b.close();
            a.append(change(2, "two.example.com"));
            Recorder mb2 = new Recorder();
            try (EtcdStateStore b2 = open("b", mb2)) {
                assertThat(mb2.applied).extracting(ChangeRecord::revision).as("local copy, then etcd").containsExactly(1L, 2L);
            }
        }
    }

    @Test
    void aCompactedWatchRevisionLeadsToAResyncNotACrash() throws Exception {
        Recorder ma = new Recorder();
        Recorder mb = new Recorder();
        try (EtcdStateStore a = open("a", ma); EtcdStateStore b = open("b", mb);
                Client admin = Client.builder().endpoints(etcd.endpoint()).build()) {
            for (int i = 1; i <= 5; i++) {
                a.append(change(i, "s" + i + ".example.com"));
            }
            await("b applies 5", () -> mb.revision() == 5);
            long now = admin.getKVClient().get(EtcdKeys.bytes(PREFIX + "revision")).get().getHeader().getRevision();
            admin.getKVClient().compact(now).get();
            b.rewatchFrom(2); // long compacted
            await("b's watch fails on the compacted revision", () -> log.eventNames().contains("etcd_watch_restarted"));
            a.append(change(6, "s6.example.com"));
            await("b still applies what follows", () -> mb.revision() == 6);
            assertThat(b.status().available()).isTrue();
            assertThat(log.events.stream().filter(e -> e.name().equals("etcd_watch_restarted")).findFirst().orElseThrow()
                    .fields().get("error").toString()).containsIgnoringCase("compact");
        }
    }

    static String host(ChangeRecord r) {
        return ((Change.Site) r.change()).host();
    }

    /**
     * Revision numbers cannot tell two histories of the log apart (found by review): b is down,
     * etcd loses its data, a restarts afresh as state_store_diverged advises and commits past b's
     * revision; b then came back and applied new4 and new5 on top of its old1..old3, as if they
     * were one history, with no event. It must diverge instead.
     */
    @Test
    void aMemberBackOnAnotherHistoryOfTheLogDivergesInsteadOfMergingBoth() throws Exception {
        Recorder ma = new Recorder();
        Recorder mb = new Recorder();
        EtcdStateStore a = open("a", ma);
        EtcdStateStore b = open("b", mb);
        for (int i = 1; i <= 3; i++) {
            a.append(change(i, "old" + i + ".example.com"));
        }
        await("b applies 3", () -> mb.revision() == 3);
        b.close();

        etcd.wipe();
        await("a diverges", () -> !a.status().available());
        a.close();
        Recorder fresh = new Recorder();
        EtcdStateStore a2 = EtcdStateStore.open(List.of(etcd.endpoint()), PREFIX, "a", dir.resolve("state-a-moved"),
                100, log, Clock.systemUTC());
        a2.load();
        a2.start(fresh);
        assertThat(a2.awaitFirstPass(java.time.Duration.ofSeconds(5))).isTrue();
        for (int i = 1; i <= 5; i++) {
            a2.append(change(i, "new" + i + ".example.com"));
        }

        Recorder mb2 = new Recorder();
        EtcdStateStore b2 = EtcdStateStore.open(List.of(etcd.endpoint()), PREFIX, "b", dir.resolve("state-b"),
                100, log, Clock.systemUTC());
        mb2.applied.addAll(b2.load().changes());
        b2.start(mb2);
        try {
            b2.awaitFirstPass(java.time.Duration.ofSeconds(5));
            await("b's first pass is over", () -> b2.status().details().containsKey("error") || mb2.revision() >= 5);
            assertThat(mb2.applied).extracting(EtcdStateStoreIT::host).as("nothing of the new history applied")
                    .containsExactly("old1.example.com", "old2.example.com", "old3.example.com");
            assertThat(b2.status().available()).isFalse();
            assertThat(String.valueOf(b2.status().details().get("error")))
                    .contains("record of revision 3 is not the one this proxy applied");
            await("b's member key says it diverged", () -> {
                try {
                    return a2.members().stream().anyMatch(m -> m.instance().equals("b") && m.live() && m.diverged());
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } finally {
            b2.close();
            a2.close();
        }
    }

    /** A member is registered until it stops cleanly; a live one cannot be forgotten, an absent one can. */
    @Test
    void aMemberStaysRegisteredUntilItStopsCleanlyOrIsForgotten() throws Exception {
        Recorder ma = new Recorder();
        try (EtcdStateStore a = open("a", ma);
                Client admin = Client.builder().endpoints(etcd.endpoint()).build()) {
            EtcdStateStore b = open("b", new Recorder());
            assertThat(a.members()).extracting(Fleet.Member::instance, Fleet.Member::live)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("a", true), org.assertj.core.groups.Tuple.tuple("b", true));
            assertThatThrownBy(() -> a.forget("b")).isInstanceOf(IllegalStateException.class).hasMessageContaining("live");
            b.close();
            assertThat(a.members()).extracting(Fleet.Member::instance).as("a clean stop leaves the fleet").containsExactly("a");

            // c registered and then crashed: its lease ran out, its registration stays
            admin.getKVClient().put(EtcdKeys.bytes(PREFIX + "registered/c"),
                    EtcdKeys.bytes("{\"instance\":\"c\",\"time\":\"2026-12-07T22:00:00Z\"}")).get();
            assertThat(a.members()).filteredOn(m -> m.instance().equals("c")).singleElement()
                    .satisfies(m -> {
                        assertThat(m.live()).isFalse();
                        assertThat(m.drained(0)).as("never drained").isFalse();
                        assertThat(m.updated()).isEqualTo(Instant.parse("2026-12-07T22:00:00Z"));
                    });
            assertThat(a.forget("c")).isTrue();
            assertThat(a.forget("c")).as("no longer registered").isFalse();
            assertThat(a.members()).extracting(Fleet.Member::instance).containsExactly("a");
        }
    }
}

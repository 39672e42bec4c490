package io.predictor.admin.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeRecord;
import io.predictor.admin.state.EtcdStateStore;
import io.predictor.admin.state.Fleet;
import io.predictor.admin.state.MemberReport;
import io.predictor.admin.state.StateStore;
import io.predictor.admin.testing.EtcdServer;
import io.predictor.admin.testing.FleetFixtures;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.core.routing.SiteState;
import io.predictor.core.server.InflightCount;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet-wide drain barrier on a real etcd, where a member cannot be seen applying and
 * draining: diverged, registered without a live key, or back from an outage longer than its lease.
 * Each case answered {@code drained:true} before (found by review).
 */
class FleetBarrierIT {

    static final String PREFIX = "/barrier-test/";

    @TempDir
    Path dir;
    EtcdServer etcd;
    final RecordingLog log = new RecordingLog();

    /** A proxy stand-in: what it applied is what it serves; with {@code busy}, each change keeps one legacy exchange in flight. */
    static final class Member implements StateStore.LocalMember {
        final List<ChangeRecord> applied = new CopyOnWriteArrayList<>();
        final boolean busy;

        Member(boolean busy) {
            this.busy = busy;
        }

        @Override
        public synchronized void applyRemote(List<ChangeRecord> changes) {
            for (ChangeRecord r : changes) {
                if (r.revision() == revision() + 1) {
                    applied.add(r);
                }
            }
        }

        synchronized long revision() {
            return applied.isEmpty() ? 0 : applied.get(applied.size() - 1).revision();
        }

        @Override
        public synchronized MemberReport report() {
            TreeMap<Long, InflightCount> pending = new TreeMap<>();
            if (busy) {
                applied.forEach(r -> pending.put(r.revision(), new InflightCount(0, 1)));
            }
            return new MemberReport(revision(), pending, new TreeMap<>());
        }

        @Override
        public void closeRequested(long revision) {
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

    EtcdStateStore open(String name, Path stateDir, Member m) throws Exception {
        EtcdStateStore s = EtcdStateStore.open(List.of(etcd.endpoint()), PREFIX, name, stateDir, 100, log,
                Clock.systemUTC());
        m.applied.addAll(s.load().changes());
        s.start(m);
        s.awaitFirstPass(Duration.ofSeconds(5));
        return s;
    }

    static ChangeRecord change(long revision, String host) {
        return FleetFixtures.change(revision, host);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        FleetFixtures.await(what, Duration.ofSeconds(20), condition);
    }

    static boolean has(Fleet f, String name, java.util.function.Predicate<Fleet.Member> p) {
        try {
            return f.members().stream().anyMatch(m -> m.instance().equals(name) && p.test(m));
        } catch (Exception e) {
            return false;
        }
    }

    static DrainBarrier.Result barrier(EtcdStateStore on, long revision, String host, Duration timeout) throws Exception {
        try (FleetBarrier barrier = new FleetBarrier(new DrainBarrier(DataPlane.NONE), Optional.of((Fleet) on))) {
            return barrier.await(revision, DrainBarrier.site(host), timeout, false).get(timeout.toSeconds() + 10,
                    TimeUnit.SECONDS);
        }
    }

    /**
     * etcd wiped; a restarted afresh as advised; b stays up, diverged, and its member key still
     * said revision 3 (of the old history): a barrier of the new revision 1 counted it drained,
     * though b never applied that change and still routes the site the old way.
     */
    @Test
    void aDivergedMemberIsNeverCountedDrained() throws Exception {
        Member ma = new Member(false);
        Member mb = new Member(false);
        EtcdStateStore a = open("a", dir.resolve("state-a"), ma);
        EtcdStateStore b = open("b", dir.resolve("state-b"), mb);
        try {
            for (int i = 1; i <= 3; i++) {
                a.append(change(i, "old" + i + ".example.com"));
            }
            await("b applies 3", () -> mb.revision() == 3);
            etcd.wipe();
            await("both diverge", () -> !a.status().available() && !b.status().available());
            a.close();
            EtcdStateStore a2 = open("a", dir.resolve("state-a-moved"), new Member(false));
            try {
                await("b is live again, and says it diverged", () -> has(a2, "b", m -> m.live() && m.diverged()));
                a2.append(change(1, "shop.example.com"));
                DrainBarrier.Result r = barrier(a2, 1, "shop.example.com", Duration.ofSeconds(1));
                assertThat(mb.applied).extracting(c -> ((Change.Site) c.change()).host()).doesNotContain("shop.example.com");
                assertThat(r.drained()).as("waiting_for %s", r.waitingFor()).isFalse();
                assertThat(r.waitingFor()).containsExactly("b");
            } finally {
                a2.close();
            }
        } finally {
            b.close();
        }
    }

    /**
     * A member that crashed (its registration stays, its lease ran out) may still be serving by
     * an older state: the barrier waits for it until it comes back or an operator forgets it.
     */
    @Test
    void aRegisteredMemberWithoutALiveKeyIsWaitedForUntilForgotten() throws Exception {
        EtcdStateStore a = open("a", dir.resolve("state-a"), new Member(false));
        try (Client admin = Client.builder().endpoints(etcd.endpoint()).build()) {
            admin.getKVClient().put(ByteSequence.from(PREFIX + "registered/c", StandardCharsets.UTF_8),
                    ByteSequence.from("{\"instance\":\"c\",\"time\":\"2026-12-07T22:00:00Z\"}", StandardCharsets.UTF_8))
                    .get();
            a.append(change(1, "shop.example.com"));
            DrainBarrier.Result r = barrier(a, 1, "shop.example.com", Duration.ofSeconds(1));
            assertThat(r.drained()).isFalse();
            assertThat(r.waitingFor()).containsExactly("c");

            assertThat(a.forget("c")).isTrue();
            assertThat(barrier(a, 1, "shop.example.com", Duration.ofSeconds(1)).drained()).isTrue();
        } finally {
            a.close();
        }
    }

    /**
     * etcd stalls for longer than the 10 s lease, so every member key is gone; the stores take
     * changes again within a pass, but members re-registered only ~1 s later. A barrier in that
     * window answered drained at once, without waiting for b, which is back and still has a legacy
     * exchange in flight.
     */
    @Test
    void aBarrierRightAfterAnOutageLongerThanTheLeaseWaitsForTheMembersThatAreBack() throws Exception {
        Member mb = new Member(true);
        EtcdStateStore a = open("a", dir.resolve("state-a"), new Member(true));
        EtcdStateStore b = open("b", dir.resolve("state-b"), mb);
        try {
            await("both registered and live", () -> has(a, "b", Fleet.Member::live) && has(a, "a", Fleet.Member::live));
            etcd.pause();
            Thread.sleep(11_500); // longer than the lease
            etcd.resume();
            await("a takes changes again", () -> a.status().available());
            a.append(change(1, "shop.example.com"));
            DrainBarrier.Result r = barrier(a, 1, "shop.example.com", Duration.ofSeconds(2));
            assertThat(r.drained()).as("drained after %d ms, waiting_for %s", r.waitedMillis(), r.waitingFor()).isFalse();
            assertThat(r.waitingFor()).containsExactly("b");
        } finally {
            b.close();
            a.close();
        }
    }
}

package io.predictor.admin.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.predictor.admin.testing.EtcdServer;
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
    static final class Recorder implements StateStore.LocalMember {
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
        return new ChangeRecord(revision, Instant.now(), "ops", false, new Change.Site(host,
                new Change.Entry(SiteState.LEGACY, null), new Change.Entry(SiteState.MAINTENANCE, null)));
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(5);
        }
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
}

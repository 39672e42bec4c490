package io.predictor.admin.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeRecord;
import io.predictor.admin.state.StaleRevisionException;
import io.predictor.admin.state.StateStore;
import io.predictor.admin.state.StoreUnavailableException;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.admin.testing.Tables;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The single writer in a fleet: remote changes, and a lost race for a revision (no sockets, no etcd). */
class SiteServiceFleetTest {

    /** A fleet store whose next append loses to {@link #rival}, which it then delivers as a remote change. */
    static final class RacingStore implements StateStore {
        final List<ChangeRecord> committed = new CopyOnWriteArrayList<>();
        volatile ChangeRecord rival;
        volatile SiteService service;

        @Override
        public Recovered load() {
            return new Recovered(List.of(), 0);
        }

        @Override
        public void append(ChangeRecord change) throws IOException {
            ChangeRecord r = rival;
            if (r != null && change.revision() == r.revision()) {
                rival = null;
                committed.add(r);
                new Thread(() -> service.applyRemote(List.of(r))).start(); // arrives like the sync thread's delivery
                throw new StaleRevisionException(change.revision(), r.revision());
            }
            committed.add(change);
        }

        @Override
        public void close() {
        }
    }

    /**
     * A fleet store whose next append gets no answer (etcd slow or losing its leader): the
     * attempt is kept, and {@link #land} delivers it later as the sync thread would.
     */
    static final class SilentStore implements StateStore {
        volatile ChangeRecord attempt;

        @Override
        public Recovered load() {
            return new Recovered(List.of(), 0);
        }

        @Override
        public void append(ChangeRecord change) throws IOException {
            attempt = change;
            throw new StoreUnavailableException("etcd did not answer: the change was not acknowledged", null, true);
        }

        @Override
        public void close() {
        }
    }

    /**
     * A change whose commit the store neither confirmed nor refused is answered "not
     * acknowledged", then arrives from etcd: it was committed after all. It is in force
     * everywhere; the proxy that took the call audits it, marked (no audit record at all before,
     * found by review). A change of another proxy at a revision this one tried is not audited here.
     */
    @Test
    void aChangeCommittedAfterItsCallFailedIsAuditedWhenItArrives() {
        SilentStore silent = new SilentStore();
        RecordingLog audit = new RecordingLog();
        SiteService service = new SiteService(Tables.small(), Path.of("sites.txt"), SiteState.LEGACY,
                new Router(RoutingSnapshot.of(Tables.small(), 0, SiteState.LEGACY)), silent, audit, Clock.systemUTC(),
                r -> { });
        service.recover(silent.load());
        assertThatThrownBy(() -> service.putSite("shop.example.com", new SiteService.SiteUpdate(SiteState.MAINTENANCE,
                false, null), new Preconditions(null, null, false), "ops"))
                .isInstanceOf(StoreUnavailableException.class);
        ChangeRecord landed = silent.attempt;
        assertThat(landed.revision()).isEqualTo(1);
        assertThat(audit.audit).isEmpty();

        service.applyRemote(List.of(landed));
        assertThat(audit.audit).as("audited where the call was taken").containsExactly(landed);
        assertThat(service.snapshot().entry("shop.example.com").state()).isEqualTo(SiteState.MAINTENANCE);

        assertThatThrownBy(() -> service.putSite("www.example.com", new SiteService.SiteUpdate(SiteState.MAINTENANCE,
                false, null), new Preconditions(null, null, false), "ops"))
                .isInstanceOf(StoreUnavailableException.class);
        service.applyRemote(List.of(remote(2, "shop.example.com", SiteState.MAINTENANCE, SiteState.MIGRATED)));
        assertThat(audit.audit).as("revision 2 went to another proxy's change: ours was not committed")
                .containsExactly(landed);
    }

    final RacingStore store = new RacingStore();
    final RecordingLog log = new RecordingLog();
    final List<Long> applied = new CopyOnWriteArrayList<>();
    final Router router = new Router(RoutingSnapshot.of(Tables.small(), 0, SiteState.LEGACY));
    final SiteService sites = new SiteService(Tables.small(), Path.of("sites.txt"), SiteState.LEGACY, router, store,
            log, Clock.systemUTC(), r -> applied.add(r.revision()));

    {
        store.service = sites;
        sites.recover(store.load());
    }

    static ChangeRecord remote(long revision, String host, SiteState from, SiteState to) {
        return new ChangeRecord(revision, Instant.now(), "other-proxy", false,
                new Change.Site(host, new Change.Entry(from, "g1"), new Change.Entry(to, "g1")));
    }

    @Test
    void remoteChangesArePublishedInOrderAndSkippedWhenAlreadyApplied() {
        sites.applyRemote(List.of(remote(1, "shop.example.com", SiteState.LEGACY, SiteState.MAINTENANCE),
                remote(2, "shop.example.com", SiteState.MAINTENANCE, SiteState.MIGRATED)));
        sites.applyRemote(List.of(remote(2, "shop.example.com", SiteState.MAINTENANCE, SiteState.MIGRATED)));
        assertThat(router.current().revision()).isEqualTo(2);
        assertThat(router.current().entry("shop.example.com").state()).isEqualTo(SiteState.MIGRATED);
        assertThat(applied).containsExactly(1L, 2L);
        assertThat(sites.history(0, 10).changes()).hasSize(2);
        assertThat(log.audit).as("audited by the proxy that took the call, not here").isEmpty();
        assertThatThrownBy(() -> sites.applyRemote(List.of(remote(4, "www.example.com", SiteState.MIGRATED,
                SiteState.MAINTENANCE)))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aChangeThatLostTheRaceIsValidatedAgainstTheWinnersChange() {
        store.rival = remote(1, "shop.example.com", SiteState.LEGACY, SiteState.MAINTENANCE);
        assertThatThrownBy(() -> sites.putSite("shop.example.com", new SiteService.SiteUpdate(SiteState.MAINTENANCE,
                false, null), new Preconditions(null, SiteState.LEGACY, false), "ops"))
                .isInstanceOf(ChangeRefusedException.class)
                .satisfies(e -> assertThat(((ChangeRefusedException) e).reason())
                        .isEqualTo(ChangeRefusedException.Reason.EXPECT));
        assertThat(store.committed).hasSize(1);
        assertThat(router.current().revision()).isEqualTo(1);
    }

    @Test
    void aChangeThatDoesNotConflictIsRetriedAtTheNextRevision() throws Exception {
        store.rival = remote(1, "shop.example.com", SiteState.LEGACY, SiteState.MAINTENANCE);
        var v = sites.putSite("down.example.com", new SiteService.SiteUpdate(SiteState.LEGACY, false, null),
                new Preconditions(null, SiteState.MAINTENANCE, false), "ops");
        assertThat(v.revision()).isEqualTo(2);
        assertThat(store.committed).extracting(ChangeRecord::revision).containsExactly(1L, 2L);
        assertThat(applied).containsExactly(1L, 2L);
        assertThat(log.audit).extracting(ChangeRecord::revision).containsExactly(2L);
    }

    @Test
    void ifMatchOnTheRevisionTheRivalTookIsRefused() {
        store.rival = remote(1, "shop.example.com", SiteState.LEGACY, SiteState.MAINTENANCE);
        assertThatThrownBy(() -> sites.putSite("down.example.com", new SiteService.SiteUpdate(SiteState.LEGACY,
                false, null), new Preconditions(0L, null, false), "ops"))
                .isInstanceOf(ChangeRefusedException.class)
                .satisfies(e -> assertThat(((ChangeRefusedException) e).reason())
                        .isEqualTo(ChangeRefusedException.Reason.PRECONDITION));
    }
}

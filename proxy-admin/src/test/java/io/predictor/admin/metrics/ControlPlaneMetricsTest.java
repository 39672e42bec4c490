package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.DataPlane;
import io.predictor.admin.service.DrainBarrier;
import io.predictor.admin.service.Preconditions;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.testing.MemoryStateStore;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.admin.testing.Tables;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.server.InflightCount;
import io.predictor.core.server.SiteMatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control plane's counters, driven through the site service and the drain barrier without sockets. */
class ControlPlaneMetricsTest {

    @TempDir
    Path tmp;

    final MeterRegistry registry = new SimpleMeterRegistry();
    final ControlPlaneMetrics metrics = new ControlPlaneMetrics(registry);
    final MemoryStateStore store = new MemoryStateStore();

    SiteService service() throws IOException {
        Path sites = tmp.resolve("sites.txt");
        Files.writeString(sites, "www.example.com migrated g1\nshop.example.com legacy g1\n");
        SiteTable base = Tables.small();
        SiteService s = new SiteService(base, sites, SiteState.LEGACY,
                new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY)), store, new RecordingLog(),
                Clock.systemUTC(), metrics);
        s.recover(store.load());
        return s;
    }

    double count(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    @Test
    void shouldCountEveryAcknowledgedChangeByKind() throws Exception {
        SiteService s = service();
        s.putSite("shop.example.com", new SiteService.SiteUpdate(SiteState.MAINTENANCE, false, null),
                Preconditions.NONE, "ops");
        s.deleteSite("down.example.com", Preconditions.NONE, "ops");
        s.putGroup("g1", SiteState.MAINTENANCE, Preconditions.NONE, "ops");
        SiteService.SiteUpdate jump = new SiteService.SiteUpdate(SiteState.MIGRATED, false, null);
        assertThatThrownBy(() -> s.putSite("a.blog.example.net", jump, Preconditions.NONE, "ops"))
                .isInstanceOf(ChangeRefusedException.class);

        assertThat(count("predictor.state.changes", "kind", "site")).as("a refused change is not counted").isEqualTo(2);
        assertThat(count("predictor.state.changes", "kind", "group")).isEqualTo(1);
        assertThat(count("predictor.state.changes", "kind", "reload")).isZero();
    }

    @Test
    void shouldCountReloadsByResultAndStoreFailures() throws Exception {
        SiteService s = service();
        s.reload(Preconditions.NONE, "signal:SIGHUP");
        Files.writeString(tmp.resolve("sites.txt"), "not a valid line\n");
        assertThatThrownBy(() -> s.reload(Preconditions.NONE, "ops")).isInstanceOf(ChangeRefusedException.class);
        Files.writeString(tmp.resolve("sites.txt"), "www.example.com migrated g1\n");
        store.failNext = true;
        assertThatThrownBy(() -> s.reload(Preconditions.NONE, "ops")).isInstanceOf(IOException.class);
        store.failNext = true;
        assertThatThrownBy(() -> s.putGroup("g1", SiteState.MAINTENANCE, Preconditions.NONE, "ops"))
                .isInstanceOf(IOException.class);

        assertThat(count("predictor.reloads", "result", "ok")).isEqualTo(1);
        assertThat(count("predictor.reloads", "result", "failed")).as("invalid file, store failure").isEqualTo(2);
        assertThat(count("predictor.state.changes", "kind", "reload")).isEqualTo(1);
        assertThat(count("predictor.state.changes", "kind", "group")).as("not durable, not counted").isZero();
        assertThat(registry.get("predictor.state.store.errors").counter().count()).isEqualTo(2);
    }

    @Test
    void shouldCountDrainBarrierOutcomes() throws Exception {
        FakeDataPlane dp = new FakeDataPlane();
        try (DrainBarrier barrier = new DrainBarrier(dp, metrics)) {
            SiteMatcher any = SiteMatcher.ALL;
            dp.inflight = 0;
            assertThat(barrier.await(1, any, Duration.ofSeconds(5), false).join().drained()).isTrue();
            dp.inflight = 2;
            assertThat(barrier.await(1, any, Duration.ofMillis(30), false).join().drained()).isFalse();
            assertThat(barrier.await(1, any, Duration.ofMillis(30), true).join().closed()).isEqualTo(2);
        }
        assertThat(count("predictor.drain.barrier", "result", "drained")).isEqualTo(1);
        assertThat(count("predictor.drain.barrier", "result", "timeout")).isEqualTo(1);
        assertThat(count("predictor.drain.barrier", "result", "closed")).isEqualTo(1);
    }

    /** A data plane with a fixed number of exchanges in flight on the legacy side. */
    static final class FakeDataPlane implements DataPlane {
        volatile int inflight;

        @Override
        public CompletableFuture<InflightCount> inflight(long beforeRevision, SiteMatcher matcher) {
            return CompletableFuture.completedFuture(new InflightCount(0, inflight));
        }

        @Override
        public CompletableFuture<Integer> closeInflight(long beforeRevision, SiteMatcher matcher) {
            return CompletableFuture.completedFuture(inflight);
        }

        @Override
        public CompletableFuture<Long> groupRequestsLastMinute(SiteTable base, String group) {
            return CompletableFuture.completedFuture(0L);
        }
    }
}

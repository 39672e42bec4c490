package io.predictor.admin.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.state.Fleet;
import io.predictor.admin.state.MemberReport;
import io.predictor.core.server.InflightCount;
import io.predictor.core.server.SiteMatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fleet barrier's timing against a fleet store that answers slowly (an etcd losing its
 * leader answers a read after the client's timeout): each barrier keeps its own deadline.
 */
class FleetBarrierTest {

    /** A fleet of this member and one other that never drains; every read of it takes {@code readMillis}. */
    static Fleet slowFleet(long readMillis) {
        return new Fleet() {
            @Override
            public String instance() {
                return "a";
            }

            @Override
            public List<Member> members() {
                try {
                    Thread.sleep(readMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                TreeMap<Long, InflightCount> pending = new TreeMap<>();
                pending.put(1L, new InflightCount(0, 1));
                return List.of(new Member("a", MemberReport.at(1), Instant.now(), true, false),
                        new Member("b", new MemberReport(1, pending, new TreeMap<>()), Instant.now(), true, false));
            }

            @Override
            public long revision() {
                return 1;
            }

            @Override
            public void requestClose(long revision) {
            }

            @Override
            public void endClose(long revision) {
            }

            @Override
            public void reportChanged() {
            }

            @Override
            public boolean forget(String instance) {
                return false;
            }
        };
    }

    /**
     * Four barriers at once, each with a 300 ms timeout, while every read of the store takes
     * 1 s: on one timer thread the reads ran one after another, and the last barrier answered
     * after about 4 s (found by review). Each answers by its own deadline now, with what it knows:
     * member b had not drained, or the store had not answered.
     */
    @Test
    void concurrentBarriersKeepTheirDeadlinesWhileTheStoreIsSlow() throws Exception {
        SiteMatcher all = SiteMatcher.ALL;
        try (FleetBarrier barrier = new FleetBarrier(new DrainBarrier(DataPlane.NONE), Optional.of(slowFleet(1000)))) {
            long start = System.nanoTime();
            List<CompletableFuture<DrainBarrier.Result>> answers = List.of(
                    barrier.await(1, all, Duration.ofMillis(300), false),
                    barrier.await(1, all, Duration.ofMillis(300), false),
                    barrier.await(1, all, Duration.ofMillis(300), false),
                    barrier.await(1, all, Duration.ofMillis(300), false));
            for (CompletableFuture<DrainBarrier.Result> a : answers) {
                DrainBarrier.Result r = a.get(10, TimeUnit.SECONDS);
                assertThat(r.drained()).isFalse();
                assertThat(r.waitingFor()).containsExactly("(fleet store: no answer before the timeout)");
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMs).as("every barrier answered by its deadline, not behind the others' reads")
                    .isLessThan(900);
        }
    }

    /** A store that answers within the timeout: the barrier names the member still draining. */
    @Test
    void aMemberStillDrainingIsNamedWhenTheTimeoutPasses() throws Exception {
        try (FleetBarrier barrier = new FleetBarrier(new DrainBarrier(DataPlane.NONE), Optional.of(slowFleet(20)))) {
            DrainBarrier.Result r = barrier.await(1, SiteMatcher.ALL, Duration.ofMillis(300), false)
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.drained()).isFalse();
            assertThat(r.waitingFor()).containsExactly("b");
            assertThat(r.inflight().legacy()).isEqualTo(1);
        }
    }
}

package io.predictor.admin.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.log.EventLog;
import io.predictor.admin.testing.RecordingLog;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When {@link HeapGuard} closes idle connections and refuses new holds, how often, and what it reports. */
class HeapGuardTest {

    static final long MB = 1024 * 1024;
    static final long SECOND = 1_000_000_000L;

    final RecordingLog log = new RecordingLog();
    final AtomicInteger calls = new AtomicInteger();
    /** The deadlines the guard gave for refusing holds, in order. */
    final List<Long> refusals = new ArrayList<>();
    volatile boolean reloading;

    HeapGuard guard(int closes) {
        return new HeapGuard(() -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(closes);
        }, refusals::add, () -> reloading, log, "Tenured Gen");
    }

    private static Map<String, Object> fields(RecordingLog.Event e) {
        return new HashMap<>(e.fields());
    }

    @Test
    void belowTheThresholdNothingHappens() {
        HeapGuard g = guard(5);
        g.collected("MarkSweepCompact", 158 * MB, 176 * MB, 80, SECOND); // 89.8 %
        assertThat(calls).hasValue(0);
        assertThat(g.pressureEvents()).isZero();
        assertThat(log.events).isEmpty();
    }

    @Test
    void atTheThresholdIdleConnectionsAreClosedAndReported() {
        HeapGuard g = guard(1234);
        g.collected("MarkSweepCompact", 159 * MB, 176 * MB, 85, SECOND); // 90.3 %
        assertThat(calls).hasValue(1);
        assertThat(g.pressureEvents()).isEqualTo(1);
        assertThat(g.connectionsClosed()).isEqualTo(1234);
        assertThat(log.events).hasSize(1);
        RecordingLog.Event e = log.events.get(0);
        assertThat(e.level()).isEqualTo(EventLog.Level.WARN);
        assertThat(e.name()).isEqualTo("heap_pressure");
        assertThat(fields(e)).containsEntry("old_gen_used_mb", 159L).containsEntry("old_gen_max_mb", 176L)
                .containsEntry("percent", 90L).containsEntry("collector", "MarkSweepCompact")
                .containsEntry("pause_ms", 85L).containsEntry("idle_connections_closed", 1234)
                .containsKey("hint");
    }

    @Test
    void closesAtMostOnceASecondButCountsEveryCollection() {
        HeapGuard g = guard(10);
        g.collected("MarkSweepCompact", 170 * MB, 176 * MB, 90, 5 * SECOND);
        g.collected("MarkSweepCompact", 171 * MB, 176 * MB, 90, 5 * SECOND + SECOND / 2);
        assertThat(calls).as("the connections closed a moment ago are freed by the next collection").hasValue(1);
        g.collected("MarkSweepCompact", 172 * MB, 176 * MB, 90, 6 * SECOND + 1);
        assertThat(calls).hasValue(2);
        assertThat(g.pressureEvents()).isEqualTo(3);
        assertThat(g.connectionsClosed()).isEqualTo(20);
        assertThat(log.eventNames()).containsExactly("heap_pressure", "heap_pressure");
    }

    @Test
    void theFirstCollectionOverTheThresholdActsWhateverTheClockSays() {
        HeapGuard g = guard(1);
        g.collected("MarkSweepCompact", 175 * MB, 176 * MB, 90, 0); // System.nanoTime() may be 0 or negative
        assertThat(calls).hasValue(1);
    }

    @Test
    void whileAReloadReadsTheSitesFileNothingIsClosed() {
        HeapGuard g = guard(10);
        reloading = true;
        g.collected("MarkSweepCompact", 170 * MB, 176 * MB, 90, SECOND);
        assertThat(calls).hasValue(0);
        assertThat(g.pressureEvents()).isEqualTo(1);
        assertThat(log.events).singleElement().satisfies(e -> {
            assertThat(e.name()).isEqualTo("heap_pressure");
            assertThat(fields(e)).containsEntry("idle_connections_closed", 0).containsKey("reason");
        });
        reloading = false;
        g.collected("MarkSweepCompact", 170 * MB, 176 * MB, 90, SECOND + 1);
        assertThat(calls).as("the reload's read did not use up the once-a-second").hasValue(1);
    }

    @Test
    void aFailureToCloseIsAnErrorEventAndCountsNoConnection() {
        HeapGuard g = new HeapGuard(() -> CompletableFuture.failedFuture(new IllegalStateException("loops gone")),
                refusals::add, () -> false, log, "Tenured Gen");
        g.collected("MarkSweepCompact", 175 * MB, 176 * MB, 90, SECOND);
        assertThat(g.pressureEvents()).isEqualTo(1);
        assertThat(g.connectionsClosed()).isZero();
        assertThat(log.events).singleElement().satisfies(e -> {
            assertThat(e.level()).isEqualTo(EventLog.Level.ERROR);
            assertThat(e.fields().get("error").toString()).contains("loops gone");
        });
    }

    @Test
    void watchesThisJvmsOldGeneration() {
        String pool = HeapGuard.oldGenerationPool(ManagementFactory.getMemoryPoolMXBeans());
        assertThat(pool).as("Serial's Tenured Gen, G1's Old Gen, Parallel's PS Old Gen").matches(".*(Old|Tenured).*");
        try (HeapGuard g = HeapGuard.start(() -> CompletableFuture.completedFuture(0), refusals::add, () -> false, log)) {
            assertThat(g).isNotNull();
            assertThat(g.pool()).isEqualTo(pool);
            System.gc(); // a full collection of a heap far from full: no pressure (HeapGuardIT shows a notification acted on)
            assertThat(g.pressureEvents()).isZero();
        }
        assertThat(log.events).isEmpty();
        assertThat(refusals).isEmpty();
    }

    @Test
    void overTheThresholdNewHoldsAreRefusedForTenSeconds() {
        HeapGuard g = guard(1);
        long now = System.nanoTime();
        g.collected("MarkSweepCompact", 170 * MB, 176 * MB, 90, now);
        assertThat(refusals).containsExactly(now + 10 * SECOND);
        assertThat(g.holdsRefused()).isTrue();
        assertThat(fields(log.events.get(0))).containsEntry("holds_refused_s", 10);
        // another one within the second: no close, but the refusal runs from it
        g.collected("MarkSweepCompact", 171 * MB, 176 * MB, 90, now + SECOND / 2);
        assertThat(calls).hasValue(1);
        assertThat(refusals).containsExactly(now + 10 * SECOND, now + SECOND / 2 + 10 * SECOND);
    }

    @Test
    void aCollectionThatLeavesTheOldGenerationUnderTheThresholdEndsTheRefusal() {
        HeapGuard g = guard(1);
        long now = System.nanoTime();
        g.collected("MarkSweepCompact", 170 * MB, 176 * MB, 90, now);
        g.observed(170 * MB, 176 * MB, now); // the same collection, seen as any collection: still over
        g.observed(175 * MB, 176 * MB, now + SECOND); // a young one that promoted: still over
        assertThat(refusals).hasSize(1);
        g.observed(120 * MB, 176 * MB, now + 2 * SECOND);
        assertThat(refusals).containsExactly(now + 10 * SECOND, now + 2 * SECOND);
        assertThat(g.holdsRefused()).isFalse();
        g.observed(100 * MB, 176 * MB, now + 3 * SECOND);
        assertThat(refusals).as("said once").hasSize(2);
    }

    @Test
    void whileAReloadReadsTheSitesFileHoldsAreNotRefused() {
        HeapGuard g = guard(1);
        reloading = true;
        g.collected("MarkSweepCompact", 170 * MB, 176 * MB, 90, SECOND);
        assertThat(refusals).as("the second table is gone when the read ends").isEmpty();
        assertThat(g.holdsRefused()).isFalse();
    }

    @Test
    void belowTheThresholdNoHoldIsRefused() {
        HeapGuard g = guard(1);
        g.collected("MarkSweepCompact", 150 * MB, 176 * MB, 90, SECOND);
        g.observed(150 * MB, 176 * MB, SECOND);
        assertThat(refusals).isEmpty();
    }
}

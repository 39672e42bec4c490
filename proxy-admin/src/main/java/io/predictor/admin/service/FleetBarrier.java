package io.predictor.admin.service;

import io.predictor.admin.state.Fleet;
import io.predictor.admin.state.MemberReport;
import io.predictor.core.server.InflightCount;
import io.predictor.core.server.SiteMatcher;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The drain barrier across a fleet: the local {@link DrainBarrier} for this proxy, and for every
 * other registered member its {@link MemberReport} in the fleet store — live, on the fleet's
 * history, applied the change, and no longer lists it as pending ({@link Fleet.Member#drained}).
 * A member that is registered but not live, or diverged, is waited for: it may be serving by an
 * older state that nobody can see. On one proxy (no fleet) it is the local barrier alone.
 *
 * <p>With {@code close}, a timeout makes this proxy close what is left here and ask the others
 * (a {@code close/R} key) to do the same; the answer counts what all of them closed.
 */
public final class FleetBarrier implements AutoCloseable {

    static final long POLL_MILLIS = 50;
    /** How long, after asking the fleet to close, to wait for the members to report it. */
    static final long CLOSE_WAIT_MILLIS = 5000;

    private final DrainBarrier local;
    private final Optional<Fleet> fleet;
    /** Schedules the next look and the deadlines; never waits for the store. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "predictor-fleet-barrier");
        t.setDaemon(true);
        return t;
    });
    /**
     * Where the reads of the fleet store run: one barrier's read may take the store's whole
     * timeout (1.5 s on an etcd that does not answer), and on the timer it made every other
     * barrier wait behind it, past their deadlines (found by review). One read at a time per
     * barrier; barriers are admin calls, so the threads stay few.
     */
    private final ExecutorService reads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "predictor-fleet-read");
        t.setDaemon(true);
        return t;
    });

    public FleetBarrier(DrainBarrier local, Optional<Fleet> fleet) {
        this.local = local;
        this.fleet = fleet;
    }

    /** What the other members say about one revision's drain. */
    private record Remote(boolean drained, InflightCount inflight, int closed, List<String> waitingFor) {
    }

    /** Waits for the exchanges {@code matcher} selects, routed before {@code revision}, to finish on every member. */
    public CompletableFuture<DrainBarrier.Result> await(long revision, SiteMatcher matcher, Duration timeout,
            boolean close) {
        if (fleet.isEmpty()) {
            return local.await(revision, matcher, timeout, close);
        }
        Fleet f = fleet.get();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        CompletableFuture<DrainBarrier.Result> mine = local.await(revision, matcher, timeout, close);
        CompletableFuture<Remote> others = new CompletableFuture<>();
        AtomicReference<Remote> lastSeen = new AtomicReference<>();
        pollOthers(f, revision, deadline, others, lastSeen);
        // the deadline holds even while a read of the store hangs: answer with what was seen last
        timer.schedule(() -> others.complete(lastSeenOrUnknown(lastSeen)),
                Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        CompletableFuture<Remote> settled = others.thenCompose(r -> r.drained() || !close ? CompletableFuture.completedFuture(r)
                : closeOthers(f, revision));
        return mine.thenCombine(settled, (l, r) -> new DrainBarrier.Result(l.drained() && r.drained(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                new InflightCount(l.inflight().local() + r.inflight().local(), l.inflight().legacy() + r.inflight().legacy()),
                l.closed() + r.closed(), r.waitingFor()));
    }

    /**
     * Waits on this proxy only: for a change that is this member's alone (a reload reads this
     * member's sites file; the others reload their own).
     */
    public CompletableFuture<DrainBarrier.Result> awaitHere(long revision, SiteMatcher matcher, Duration timeout,
            boolean close) {
        return local.await(revision, matcher, timeout, close);
    }

    private void pollOthers(Fleet f, long revision, long deadline, CompletableFuture<Remote> result,
            AtomicReference<Remote> lastSeen) {
        reads.execute(() -> {
            if (result.isDone()) {
                return;
            }
            Remote r = look(f, revision);
            lastSeen.set(r);
            if (r.drained() || System.nanoTime() - deadline >= 0) {
                result.complete(r);
            } else {
                timer.schedule(() -> pollOthers(f, revision, deadline, result, lastSeen), POLL_MILLIS,
                        TimeUnit.MILLISECONDS);
            }
        });
    }

    private static Remote lastSeenOrUnknown(AtomicReference<Remote> lastSeen) {
        Remote r = lastSeen.get();
        return r != null ? r : new Remote(false, new InflightCount(0, 0), 0,
                List.of("(fleet store: no answer before the timeout)"));
    }

    private CompletableFuture<Remote> closeOthers(Fleet f, long revision) {
        CompletableFuture<Remote> result = new CompletableFuture<>();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
        AtomicReference<Remote> lastSeen = new AtomicReference<>();
        reads.execute(() -> {
            try {
                f.requestClose(revision);
            } catch (IOException e) {
                result.complete(new Remote(false, new InflightCount(0, 0), 0, List.of("(fleet store: " + e.getMessage() + ")")));
                return;
            }
            pollOthers(f, revision, until, result, lastSeen);
        });
        timer.schedule(() -> result.complete(lastSeenOrUnknown(lastSeen)),
                TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS), TimeUnit.NANOSECONDS);
        return result.whenComplete((r, e) -> f.endClose(revision));
    }

    /** The other members' state for {@code revision}, read from the fleet store now. */
    private static Remote look(Fleet f, long revision) {
        List<Fleet.Member> members;
        try {
            members = f.members();
        } catch (IOException e) {
            return new Remote(false, new InflightCount(0, 0), 0, List.of("(fleet store: " + e.getMessage() + ")"));
        }
        List<String> waiting = new ArrayList<>();
        int local = 0;
        int legacy = 0;
        int closed = 0;
        for (Fleet.Member m : members) {
            if (m.instance().equals(f.instance())) {
                continue;
            }
            MemberReport rep = m.report();
            closed += rep.closed().getOrDefault(revision, 0);
            if (!m.drained(revision)) {
                waiting.add(m.instance());
                InflightCount c = rep.inflight(revision);
                local += c.local();
                legacy += c.legacy();
            }
        }
        return new Remote(waiting.isEmpty(), new InflightCount(local, legacy), closed, waiting);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        reads.shutdownNow();
        local.close();
    }
}

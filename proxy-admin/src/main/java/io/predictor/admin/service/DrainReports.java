package io.predictor.admin.service;

import io.predictor.admin.state.ChangeRecord;
import io.predictor.admin.state.MemberReport;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.server.InflightCount;
import io.predictor.core.server.SiteMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * This proxy's part of the fleet-wide drain barrier. For every site or group change it applies
 * (made here or by another proxy), it keeps polling its own data plane until no exchange routed
 * by an older state for those sites is in flight, and reports what is still pending in its
 * member key ({@link MemberReport}). A barrier on any proxy of the fleet then answers when every
 * live member has applied the change and no longer lists it as pending.
 *
 * <p>Every change is tracked, not only those someone waits for, because the proxy that takes the
 * call cannot tell the others in time; a change that never drains (a WebSocket left open) is
 * dropped after {@link #TRACKED_MILLIS}, the longest a barrier can wait, and only that change's
 * barrier could be affected by it.
 */
public final class DrainReports implements AutoCloseable {

    static final long POLL_MILLIS = 20;
    /** The longest barrier timeout (10m), plus a margin. */
    static final long TRACKED_MILLIS = TimeUnit.MINUTES.toMillis(11);
    /** How long a close this member made on another's request stays in its report. */
    static final long CLOSED_KEPT_MILLIS = TimeUnit.MINUTES.toMillis(1);

    private record Pending(SiteMatcher matcher, long sinceNanos, InflightCount count) {
    }

    private final DataPlane dataPlane;
    private final Runnable changed;
    private final Supplier<RoutingSnapshot> current;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "predictor-drain-reports");
        t.setDaemon(true);
        return t;
    });

    // guarded by this
    private long revision;
    private final TreeMap<Long, Pending> pending = new TreeMap<>();
    private final TreeMap<Long, long[]> closed = new TreeMap<>(); // revision -> {count, when (nanos)}
    private final Set<Long> closeWanted = new HashSet<>();
    private boolean polling;

    /**
     * @param changed called when the report changed (the fleet store publishes it)
     * @param current the snapshot in service (a group change's matcher asks who is in the group now)
     */
    public DrainReports(DataPlane dataPlane, Runnable changed, Supplier<RoutingSnapshot> current) {
        this.dataPlane = dataPlane;
        this.changed = changed;
        this.current = current;
    }

    /** The revision recovered at start: nothing was in flight before this process. */
    public synchronized void recovered(long rev) {
        revision = rev;
    }

    /** A change was published here (called in revision order). */
    public void applied(ChangeRecord r) {
        SiteMatcher matcher = DrainBarrier.of(r.change(), current.get()); // published: r is in it
        boolean close;
        synchronized (this) {
            revision = r.revision();
            if (matcher != null) {
                pending.put(r.revision(), new Pending(matcher, System.nanoTime(), new InflightCount(0, 0)));
                startPolling();
            }
            close = closeWanted.remove(r.revision());
        }
        if (close) {
            close(r.revision());
        }
        changed.run();
    }

    /** What this member reports now. */
    public synchronized MemberReport report() {
        TreeMap<Long, InflightCount> p = new TreeMap<>();
        pending.forEach((rev, e) -> p.put(rev, e.count()));
        TreeMap<Long, Integer> c = new TreeMap<>();
        closed.forEach((rev, e) -> c.put(rev, (int) e[0]));
        return new MemberReport(revision, p, c);
    }

    /** Another member asked to close what {@code rev}'s barrier still waits for here. */
    public void close(long rev) {
        Pending p;
        synchronized (this) {
            if (rev > revision) {
                closeWanted.add(rev); // not applied here yet: close once it is
                return;
            }
            p = pending.get(rev);
            if (p == null) {
                closed.putIfAbsent(rev, new long[] {0, System.nanoTime()});
                startPolling();
            }
        }
        if (p == null) {
            changed.run();
            return;
        }
        dataPlane.closeInflight(rev, p.matcher()).whenComplete((n, e) -> {
            synchronized (this) {
                pending.remove(rev);
                closed.put(rev, new long[] {e == null ? n : 0, System.nanoTime()});
                startPolling();
            }
            changed.run();
        });
    }

    private void startPolling() {
        if (!polling && !timer.isShutdown()) {
            polling = true;
            schedule();
        }
    }

    private void poll() {
        List<Map.Entry<Long, Pending>> work;
        long now = System.nanoTime();
        boolean expired;
        synchronized (this) {
            int before = pending.size() + closed.size();
            pending.entrySet().removeIf(e -> now - e.getValue().sinceNanos() > TimeUnit.MILLISECONDS.toNanos(TRACKED_MILLIS));
            closed.entrySet().removeIf(e -> now - e.getValue()[1] > TimeUnit.MILLISECONDS.toNanos(CLOSED_KEPT_MILLIS));
            expired = pending.size() + closed.size() != before;
            work = new ArrayList<>(pending.entrySet());
        }
        List<CompletableFuture<Boolean>> counts = new ArrayList<>();
        for (Map.Entry<Long, Pending> e : work) {
            long rev = e.getKey();
            Pending p = e.getValue();
            counts.add(dataPlane.inflight(rev, p.matcher()).thenApply(count -> {
                synchronized (this) {
                    Pending cur = pending.get(rev);
                    if (cur == null) {
                        return false;
                    }
                    if (count.total() == 0) {
                        pending.remove(rev);
                        return true;
                    }
                    if (!count.equals(cur.count())) {
                        pending.put(rev, new Pending(cur.matcher(), cur.sinceNanos(), count));
                        return true;
                    }
                    return false;
                }
            }));
        }
        CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new)).whenComplete((v, error) -> {
            boolean any = expired || counts.stream().anyMatch(f -> !f.isCompletedExceptionally() && f.join());
            if (any) {
                changed.run();
            }
            synchronized (this) {
                if (pending.isEmpty() && closed.isEmpty() || timer.isShutdown()) {
                    polling = false;
                } else {
                    schedule();
                }
            }
        });
    }

    private void schedule() {
        try {
            timer.schedule(this::poll, POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            polling = false; // closed
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

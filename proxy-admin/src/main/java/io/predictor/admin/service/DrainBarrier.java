package io.predictor.admin.service;

import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.server.InflightCount;
import io.predictor.core.server.SiteMatcher;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The split-brain guard (SPEC §5 "The drain barrier"): after a change at revision R, answers
 * only when no exchange routed by an older snapshot for the affected sites is still in flight —
 * when the call returns, nothing is still being written on the side the sites left. Polls the
 * data plane's per-loop in-flight lists every {@link #POLL_MILLIS}; waits without holding a
 * thread. On timeout the change stays in force: the answer says how many are left, or, with
 * {@code close}, cuts them and says how many it closed.
 */
public final class DrainBarrier implements AutoCloseable {

    static final long POLL_MILLIS = 10;

    /**
     * How a barrier ended.
     *
     * @param waitingFor the fleet members that had not drained when it ended (empty on one proxy)
     */
    public record Result(boolean drained, long waitedMillis, InflightCount inflight, int closed,
            java.util.List<String> waitingFor) {
        public Result {
            waitingFor = java.util.List.copyOf(waitingFor);
        }

        public Result(boolean drained, long waitedMillis, InflightCount inflight, int closed) {
            this(drained, waitedMillis, inflight, closed, java.util.List.of());
        }
    }

    private final DataPlane dataPlane;
    private final ServiceObserver observer;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "predictor-drain-barrier");
        t.setDaemon(true);
        return t;
    });

    public DrainBarrier(DataPlane dataPlane) {
        this(dataPlane, ServiceObserver.NONE);
    }

    /** @param observer told how each barrier ended (the metrics) */
    public DrainBarrier(DataPlane dataPlane, ServiceObserver observer) {
        this.dataPlane = dataPlane;
        this.observer = observer;
    }

    /** Waits for the exchanges {@code matcher} selects, routed before {@code revision}, to finish. */
    public CompletableFuture<Result> await(long revision, SiteMatcher matcher, Duration timeout, boolean close) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        CompletableFuture<Result> result = new CompletableFuture<>();
        poll(revision, matcher, start, deadline, close, result);
        return result;
    }

    private void poll(long revision, SiteMatcher matcher, long start, long deadline, boolean close,
            CompletableFuture<Result> result) {
        dataPlane.inflight(revision, matcher).whenComplete((count, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            long now = System.nanoTime();
            long waited = TimeUnit.NANOSECONDS.toMillis(now - start);
            if (count.total() == 0) {
                observer.barrier(ServiceObserver.BarrierOutcome.DRAINED);
                result.complete(new Result(true, waited, count, 0));
            } else if (now - deadline >= 0) {
                if (close) {
                    dataPlane.closeInflight(revision, matcher).whenComplete((closed, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                        } else {
                            observer.barrier(ServiceObserver.BarrierOutcome.CLOSED);
                            result.complete(new Result(true, waited, count, closed));
                        }
                    });
                } else {
                    observer.barrier(ServiceObserver.BarrierOutcome.TIMEOUT);
                    result.complete(new Result(false, waited, count, 0));
                }
            } else {
                timer.schedule(() -> poll(revision, matcher, start, deadline, close, result),
                        POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
    }

    /**
     * The exchanges a change's barrier waits for: its site's or its group's; null for a reload.
     * {@code after} is a snapshot with the change in it (for a group: who is in it now).
     */
    public static SiteMatcher of(io.predictor.admin.state.Change change, RoutingSnapshot after) {
        if (change instanceof io.predictor.admin.state.Change.Site s) {
            return site(s.host());
        }
        if (change instanceof io.predictor.admin.state.Change.Group g) {
            return group(g.group(), after);
        }
        return null;
    }

    /**
     * The exchanges for one site: requests for exactly {@code entry}, or for any name under a
     * wildcard entry ({@code *.example.com}), whichever entry routed them.
     */
    public static SiteMatcher site(String entry) {
        return entry.startsWith("*.") ? SiteMatcher.under(entry.substring(1)) : SiteMatcher.host(entry);
    }

    /**
     * The exchanges whose site belongs to {@code group} in the snapshot that routed them, or in
     * {@code now} (a snapshot with the group's change in it): a site moved into the group after
     * its request was routed is in the group the change flips, and its request still writes on
     * the side it was routed to (found by review: the barrier had not waited for it).
     */
    public static SiteMatcher group(String group, RoutingSnapshot now) {
        return (snapshot, host, length) -> inGroup(snapshot, host, length, group)
                || inGroup(now, host, length, group);
    }

    /**
     * The exchanges a reload moved: those whose route in {@code after} (a snapshot with the
     * reload in it) differs from their route in the snapshot that routed them. A reload changes
     * sites by file, not by name or group: a site the file changed, added (it leaves the default
     * route), removed (it takes the default route), or put into a group whose runtime state
     * decides it now. Comparing routes finds them all, and passes over the many sites the reload
     * left where they were.
     */
    public static SiteMatcher routeChanged(RoutingSnapshot after) {
        return (snapshot, host, length) -> snapshot.route(host, length) != after.route(host, length);
    }

    /** Whether the entry that routes {@code host} in {@code snapshot} is in {@code group}; allocates nothing. */
    private static boolean inGroup(RoutingSnapshot snapshot, byte[] host, int length, String group) {
        long r = snapshot.resolve(host, length);
        if (r == RoutingSnapshot.NOT_FOUND) {
            return false;
        }
        int id = RoutingSnapshot.groupOf(r);
        return id >= 0 && id == snapshot.groupId(group);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

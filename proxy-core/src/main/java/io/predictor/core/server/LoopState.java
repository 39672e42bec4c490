package io.predictor.core.server;

import io.predictor.core.http.HeadPool;
import io.predictor.core.upstream.OriginPool;

/**
 * What one event loop owns for the connections it runs: its origin pools, the message heads its
 * connections borrow, the exchanges in flight (for the drain barrier) and the requests parked in
 * {@code hold}. Touched only from that loop, so nothing here locks (the {@link HoldGate} is the
 * server's, shared by its loops).
 */
final class LoopState {

    /** Requests parked in hold, per event loop, at most this many (then 503 at once). */
    static final int MAX_HELD = 10_000;

    final OriginPool[] pools;
    final HeadPool heads;
    final ConnectionList<InflightExchange> inflight = new ConnectionList<>();
    final ConnectionList<HeldExchange> held = new ConnectionList<>();
    final GroupTraffic traffic = new GroupTraffic();
    private final HoldGate holdGate;

    LoopState(OriginPool[] pools, HeadPool heads, HoldGate holdGate) {
        this.pools = pools;
        this.heads = heads;
        this.holdGate = holdGate;
    }

    /**
     * Whether one more request may be parked in hold on this loop: fewer than {@link #MAX_HELD}
     * are, and the heap is not nearly full ({@link HoldGate}). Else it is answered at once, as if
     * its hold had timed out.
     */
    boolean mayPark() {
        return held.size() < MAX_HELD && !holdGate.isClosed();
    }
}

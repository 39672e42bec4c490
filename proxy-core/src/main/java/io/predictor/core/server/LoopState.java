package io.predictor.core.server;

import io.predictor.core.http.HeadPool;
import io.predictor.core.upstream.OriginPool;

/**
 * What one event loop owns for the connections it runs: its origin pools, the message heads its
 * connections borrow, the exchanges in flight (for the drain barrier) and the requests parked in
 * {@code hold}. Touched only from that loop, so nothing here locks.
 */
final class LoopState {

    final OriginPool[] pools;
    final HeadPool heads;
    final ConnectionList<InflightExchange> inflight = new ConnectionList<>();
    final ConnectionList<HeldExchange> held = new ConnectionList<>();
    final GroupTraffic traffic = new GroupTraffic();

    LoopState(OriginPool[] pools, HeadPool heads) {
        this.pools = pools;
        this.heads = heads;
    }
}

package io.predictor.core.server;

import io.predictor.core.routing.SiteTable;
import java.util.Arrays;

/**
 * Requests per group over the last minute, counted on one event loop without locks or
 * allocation: six ten-second buckets of counters indexed by the sites file's group ids. Counts
 * belong to one base table; after a reload they start again. Groups first named at runtime
 * (not in the sites file) are not counted.
 */
final class GroupTraffic {

    static final int BUCKETS = 6;
    static final long BUCKET_NANOS = 10_000_000_000L;

    private SiteTable table;
    private final int[][] counts = new int[BUCKETS][];
    private final long[] epochs = new long[BUCKETS];

    /** Counts one request of group {@code group} (ignored for -1 and runtime groups). */
    void count(SiteTable base, int group, long nowNanos) {
        if (group < 0 || group >= base.groupCount()) {
            return;
        }
        if (base != table) {
            table = base;
            for (int i = 0; i < BUCKETS; i++) {
                counts[i] = new int[base.groupCount()];
                epochs[i] = Long.MIN_VALUE;
            }
        }
        long epoch = Math.floorDiv(nowNanos, BUCKET_NANOS);
        int b = (int) Math.floorMod(epoch, BUCKETS);
        if (epochs[b] != epoch) {
            Arrays.fill(counts[b], 0);
            epochs[b] = epoch;
        }
        counts[b][group]++;
    }

    /** Requests of {@code group} in the last minute (the current bucket and the five before). */
    long lastMinute(SiteTable base, int group, long nowNanos) {
        if (base != table || group < 0 || group >= base.groupCount()) {
            return 0;
        }
        long epoch = Math.floorDiv(nowNanos, BUCKET_NANOS);
        long sum = 0;
        for (int b = 0; b < BUCKETS; b++) {
            if (epoch - epochs[b] < BUCKETS && epoch >= epochs[b]) {
                sum += counts[b][group];
            }
        }
        return sum;
    }
}

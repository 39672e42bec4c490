package io.predictor.admin.state;

import io.predictor.core.server.InflightCount;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one proxy tells the fleet about itself, in its member key.
 *
 * @param revision the revision it has applied (and serves)
 * @param pending  revisions whose site or group change still has exchanges in flight here that
 *                 were routed by an older state, with their counts; a revision absent from it
 *                 (and at or below {@code revision}) has drained here
 * @param closed   revisions whose in-flight exchanges this member closed on request, with how many
 */
public record MemberReport(long revision, SortedMap<Long, InflightCount> pending, SortedMap<Long, Integer> closed) {

    public MemberReport {
        pending = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(pending));
        closed = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(closed));
    }

    public static MemberReport at(long revision) {
        return new MemberReport(revision, new TreeMap<>(), new TreeMap<>());
    }

    /** Whether the drain of {@code revision} is complete here: applied, and nothing left in flight. */
    public boolean drained(long revision) {
        return this.revision >= revision && !pending.containsKey(revision);
    }

    /** What is still in flight here for {@code revision}'s barrier (zero when drained). */
    public InflightCount inflight(long revision) {
        InflightCount c = pending.get(revision);
        return c == null ? new InflightCount(0, 0) : c;
    }
}

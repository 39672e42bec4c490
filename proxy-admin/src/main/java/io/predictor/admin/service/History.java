package io.predictor.admin.service;

import io.predictor.admin.state.ChangeRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The changes GET /api/v1/history pages through, in revision order, in memory. Bounded: the
 * oldest are dropped past {@link #MAX_KEPT} (the store keeps what still decides a site's state).
 */
public final class History {

    public static final int MAX_KEPT = 100_000;

    /** A page and the revision to pass as {@code since} for the next one (null: no more). */
    public record Page(List<ChangeRecord> changes, Long next) {
    }

    private final List<ChangeRecord> changes = new ArrayList<>();

    synchronized void add(ChangeRecord r) {
        if (!changes.isEmpty() && changes.get(changes.size() - 1).revision() >= r.revision()) {
            throw new IllegalArgumentException("history must grow in revision order");
        }
        changes.add(r);
        if (changes.size() > MAX_KEPT + MAX_KEPT / 10) {
            changes.subList(0, changes.size() - MAX_KEPT).clear();
        }
    }

    /** Up to {@code limit} changes with a revision above {@code since}. */
    synchronized Page after(long since, int limit) {
        int lo = 0;
        int hi = changes.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (changes.get(mid).revision() <= since) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int end = Math.min(changes.size(), lo + limit);
        List<ChangeRecord> page = List.copyOf(changes.subList(lo, end));
        Long next = end < changes.size() && !page.isEmpty() ? page.get(page.size() - 1).revision() : null;
        return new Page(page, next);
    }
}

package io.predictor.admin.service;

import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The changes GET /api/v1/history pages through, in revision order, in memory. Bounded: the
 * oldest are dropped past {@link #MAX_KEPT} (the store keeps what still decides a site's state).
 */
public final class History {

    public static final int MAX_KEPT = 100_000;

    /**
     * A page and the revision to pass as {@code since} for the next one (null: no more).
     *
     * @param completeFrom every change from this revision on is kept; before it some are not (a
     *                     restart keeps only what compaction kept, and the oldest are trimmed)
     */
    public record Page(List<ChangeRecord> changes, Long next, long completeFrom) {
    }

    private final List<ChangeRecord> changes = new ArrayList<>();
    /** The lowest revision from which on no change is missing (1: none is). */
    private long completeFrom = 1;

    synchronized void add(ChangeRecord r) {
        if (!changes.isEmpty() && changes.get(changes.size() - 1).revision() >= r.revision()) {
            throw new IllegalArgumentException("history must grow in revision order");
        }
        long last = changes.isEmpty() ? 0 : changes.get(changes.size() - 1).revision();
        if (r.revision() != last + 1) {
            completeFrom = r.revision(); // the revisions between are not here
        }
        changes.add(r);
        if (changes.size() > MAX_KEPT + MAX_KEPT / 10) {
            changes.subList(0, changes.size() - MAX_KEPT).clear();
            completeFrom = Math.max(completeFrom, changes.get(0).revision());
        }
    }

    /** Up to {@code limit} changes with a revision above {@code since}. */
    synchronized Page after(long since, int limit) {
        return after(since, limit, null);
    }

    /**
     * Up to {@code limit} changes with a revision above {@code since} that {@code filter} selects
     * (null: all). {@code next} is the last one returned when more may follow.
     */
    synchronized Page after(long since, int limit, Predicate<ChangeRecord> filter) {
        if (filter != null) {
            List<ChangeRecord> page = new ArrayList<>();
            for (int i = firstAbove(since); i < changes.size(); i++) {
                ChangeRecord r = changes.get(i);
                if (filter.test(r)) {
                    if (page.size() == limit) {
                        return new Page(page, page.get(page.size() - 1).revision(), completeFrom);
                    }
                    page.add(r);
                }
            }
            return new Page(page, null, completeFrom);
        }
        int lo = firstAbove(since);
        int end = Math.min(changes.size(), lo + limit);
        List<ChangeRecord> page = List.copyOf(changes.subList(lo, end));
        Long next = end < changes.size() && !page.isEmpty() ? page.get(page.size() - 1).revision() : null;
        return new Page(page, next, completeFrom);
    }

    private int firstAbove(long since) {
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
        return lo;
    }

    /** The changes that concern a group: its flips, and site changes that moved a site into or out of it. */
    public static Predicate<ChangeRecord> ofGroup(String group) {
        return r -> {
            Change c = r.change();
            if (c instanceof Change.Group g) {
                return g.group().equals(group);
            }
            if (c instanceof Change.Site s) {
                return (s.before() != null && group.equals(s.before().group()))
                        || (s.after() != null && group.equals(s.after().group()));
            }
            return false;
        };
    }

    /** The changes of one site's own entry (exactly this name; a wildcard as {@code *.suffix}). */
    public static Predicate<ChangeRecord> ofSite(String host) {
        return r -> r.change() instanceof Change.Site s && s.host().equals(host);
    }
}

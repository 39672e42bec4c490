package io.predictor.core.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Control-plane questions over a snapshot: pages of sites ordered by host. */
public final class SiteQueries {

    private SiteQueries() {
    }

    /** A page of sites and the cursor to pass as {@code after} for the next one (null: no more). */
    public record Page(List<SiteView> sites, String next) {
    }

    /**
     * A page of sites ordered by host name (wildcards, named {@code *.suffix}, sort first),
     * optionally filtered by state and group, starting after {@code after}.
     */
    public static Page page(RoutingSnapshot s, SiteState state, String group, String after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        List<SiteView> out = new ArrayList<>(Math.min(limit, 1024));
        TreeSet<String> wildcards = new TreeSet<>();
        addNames(s.base().wildcard, "*.", wildcards);
        addNames(s.overlayWildcard(), "*.", wildcards);
        String cursor = after == null ? "" : after;
        for (String w : wildcards.tailSet(cursor, false)) {
            if (!offer(s, w, state, group, limit, out)) {
                return new Page(out, out.get(out.size() - 1).host());
            }
        }
        // the names beside the big index's: the overlay's and the base's patch (few, sorted here)
        TreeSet<String> overlayExact = new TreeSet<>();
        addNames(s.overlayExact(), "", overlayExact);
        addNames(s.base().exact.patch, "", overlayExact);
        int[] sorted = s.base().sortedExactIds();
        HostIndex index = s.base().exact.index;
        int i = firstAfter(sorted, index, cursor.getBytes(StandardCharsets.ISO_8859_1));
        java.util.Iterator<String> ov = overlayExact.tailSet(cursor, false).iterator();
        String nextOverlay = ov.hasNext() ? ov.next() : null;
        while (i < sorted.length || nextOverlay != null) {
            String candidate;
            String baseName = i < sorted.length ? index.name(sorted[i]) : null;
            int cmp = baseName == null ? 1 : nextOverlay == null ? -1 : baseName.compareTo(nextOverlay);
            if (cmp <= 0) {
                candidate = baseName;
                i++;
                if (cmp == 0) {
                    nextOverlay = ov.hasNext() ? ov.next() : null;
                }
            } else {
                candidate = nextOverlay;
                nextOverlay = ov.hasNext() ? ov.next() : null;
            }
            if (!offer(s, candidate, state, group, limit, out)) {
                return new Page(out, out.get(out.size() - 1).host());
            }
        }
        return new Page(out, null);
    }

    /** Adds the site if it passes the filters; returns false when the page was already full. */
    private static boolean offer(RoutingSnapshot s, String host, SiteState state, String group, int limit,
            List<SiteView> out) {
        SiteView v = s.entry(host);
        if (v == null || (state != null && v.state() != state)
                || (group != null && !group.equals(v.group()))) {
            return true;
        }
        if (out.size() == limit) {
            return false;
        }
        out.add(v);
        return true;
    }

    private static void addNames(SiteSet set, String prefix, TreeSet<String> names) {
        addNames(set.index, prefix, names);
        addNames(set.patch, prefix, names);
    }

    /** Every name of the index (null: none); one the base's patch removes is skipped by {@link #offer}. */
    private static void addNames(HostIndex index, String prefix, TreeSet<String> names) {
        if (index == null) {
            return;
        }
        for (int id : index.ids()) {
            names.add(prefix + index.name(id));
        }
    }

    private static void addNames(Overlay.Node overlay, String prefix, TreeSet<String> names) {
        Overlay.forEach(overlay, e -> names.add(prefix + e.name()));
    }

    private static int firstAfter(int[] sorted, HostIndex index, byte[] cursor) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (index.compare(sorted[mid], cursor) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}

package io.predictor.core.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Control-plane questions over a snapshot: counts by state, and pages of sites ordered by host. */
public final class SiteQueries {

    private SiteQueries() {
    }

    /** A page of sites and the cursor to pass as {@code after} for the next one (null: no more). */
    public record Page(List<SiteView> sites, String next) {
    }

    /**
     * Adds effective-state counts into {@code n[4]} for one group id, or for every site when
     * {@code groupFilter == -2}. O(groups + overrides): base counts are kept per group and
     * state, and only overlay entries are looked at one by one.
     */
    static void addCounts(RoutingSnapshot s, int groupFilter, int[] n) {
        SiteTable base = s.base();
        int baseGroups = base.groupCount();
        int[] counts = base.countsByGroupAndState;
        for (int g = 0; g <= baseGroups; g++) {
            int groupId = g == baseGroups ? SiteSet.NO_GROUP : g;
            if (groupFilter != -2 && groupFilter != groupId) {
                continue;
            }
            int override = s.groupOverrideState(groupId);
            for (int st = 0; st < 4; st++) {
                n[override >= 0 ? override : st] += counts[g * 4 + st];
            }
        }
        adjustForOverlay(s, base.exact, s.overlayExact(), groupFilter, n);
        adjustForOverlay(s, base.wildcard, s.overlayWildcard(), groupFilter, n);
    }

    private static void adjustForOverlay(RoutingSnapshot s, SiteSet baseSet, SiteSet overlay, int groupFilter, int[] n) {
        for (int o = 0; o < overlay.size(); o++) {
            String name = overlay.index.name(o);
            byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
            int baseId = baseSet.index.find(b, 0, b.length);
            if (baseId >= 0) {
                int g = baseSet.groups[baseId];
                if (groupFilter == -2 || groupFilter == g) {
                    int override = s.groupOverrideState(g);
                    n[override >= 0 ? override : baseSet.states[baseId]]--;
                }
            }
            int state = overlay.states[o];
            int g = overlay.groups[o];
            if (state != SiteSet.DELETED && (groupFilter == -2 || groupFilter == g)) {
                int override = s.groupOverrideState(g);
                boolean groupWins = override >= 0 && s.groupOverrideRevision(g) > overlay.revisions[o];
                n[groupWins ? override : state]++;
            }
        }
    }

    /**
     * Sites of every group by effective state, in one pass: O(groups + overrides). The no-group
     * sites are not counted (they belong to no group).
     */
    static GroupCounts groupCounts(RoutingSnapshot s) {
        SiteTable base = s.base();
        int groups = s.groupCount();
        int[] n = new int[groups * 4];
        int[] baseCounts = base.countsByGroupAndState;
        for (int g = 0; g < base.groupCount(); g++) {
            int override = s.groupOverrideState(g);
            for (int st = 0; st < 4; st++) {
                n[g * 4 + (override >= 0 ? override : st)] += baseCounts[g * 4 + st];
            }
        }
        adjustByGroup(s, base.exact, s.overlayExact(), n);
        adjustByGroup(s, base.wildcard, s.overlayWildcard(), n);
        String[] names = new String[groups];
        for (int g = 0; g < groups; g++) {
            names[g] = s.groupName(g);
        }
        return GroupCounts.of(names, n);
    }

    /** Moves each overridden site from its base entry's group and state to its overlay entry's. */
    private static void adjustByGroup(RoutingSnapshot s, SiteSet baseSet, SiteSet overlay, int[] n) {
        for (int o = 0; o < overlay.size(); o++) {
            String name = overlay.index.name(o);
            byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
            int baseId = baseSet.index.find(b, 0, b.length);
            if (baseId >= 0) {
                int g = baseSet.groups[baseId];
                if (g >= 0) {
                    int override = s.groupOverrideState(g);
                    n[g * 4 + (override >= 0 ? override : baseSet.states[baseId])]--;
                }
            }
            int state = overlay.states[o];
            int g = overlay.groups[o];
            if (state != SiteSet.DELETED && g >= 0) {
                int override = s.groupOverrideState(g);
                boolean groupWins = override >= 0 && s.groupOverrideRevision(g) > overlay.revisions[o];
                n[g * 4 + (groupWins ? override : state)]++;
            }
        }
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
        TreeSet<String> overlayExact = new TreeSet<>();
        addNames(s.overlayExact(), "", overlayExact);
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
        for (int i = 0; i < set.size(); i++) {
            names.add(prefix + set.index.name(i));
        }
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

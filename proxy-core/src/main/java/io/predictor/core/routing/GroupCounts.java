package io.predictor.core.routing;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;

/**
 * Every group of a snapshot with its sites by effective state, ordered by name: what the admin
 * API's group list pages through. Built once per snapshot in one pass over the groups and the
 * overrides ({@link RoutingSnapshot#groupCounts()}); groups left without sites are not listed.
 */
public final class GroupCounts {

    private final String[] names;
    private final String[] lowerNames;
    /** Per listed group (in name order) and state code: index {@code i * 4 + state}. */
    private final int[] counts;

    private GroupCounts(String[] names, int[] counts) {
        this.names = names;
        this.counts = counts;
        this.lowerNames = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            lowerNames[i] = names[i].toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param names       group names by id
     * @param countsById  per group id and state code ({@code id * 4 + state})
     */
    static GroupCounts of(String[] names, int[] countsById) {
        Integer[] order = new Integer[names.length];
        int listed = 0;
        for (int id = 0; id < names.length; id++) {
            int total = countsById[id * 4] + countsById[id * 4 + 1] + countsById[id * 4 + 2] + countsById[id * 4 + 3];
            if (total > 0) {
                order[listed++] = id;
            }
        }
        Integer[] ids = Arrays.copyOf(order, listed);
        Arrays.sort(ids, Comparator.comparing(id -> names[id]));
        String[] sortedNames = new String[listed];
        int[] sortedCounts = new int[listed * 4];
        for (int i = 0; i < listed; i++) {
            sortedNames[i] = names[ids[i]];
            System.arraycopy(countsById, ids[i] * 4, sortedCounts, i * 4, 4);
        }
        return new GroupCounts(sortedNames, sortedCounts);
    }

    /** How many groups have at least one site. */
    public int size() {
        return names.length;
    }

    /** The name of the {@code i}-th group in name order. */
    public String name(int i) {
        return names[i];
    }

    public int count(int i, SiteState state) {
        return counts[i * 4 + state.code()];
    }

    public int total(int i) {
        return counts[i * 4] + counts[i * 4 + 1] + counts[i * 4 + 2] + counts[i * 4 + 3];
    }

    /** Whether the {@code i}-th name contains {@code lowerCaseNeedle} (already lower case), ignoring case. */
    public boolean nameContains(int i, String lowerCaseNeedle) {
        return lowerNames[i].contains(lowerCaseNeedle);
    }

    /** The index of {@code name}, or -1 when no group of that name has sites. */
    public int indexOf(String name) {
        int i = firstAfter(name) - 1;
        return i >= 0 && names[i].equals(name) ? i : -1;
    }

    /** The index of the first group whose name sorts after {@code after} (0 for null). */
    public int firstAfter(String after) {
        if (after == null) {
            return 0;
        }
        int lo = 0;
        int hi = names.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (names[mid].compareTo(after) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}

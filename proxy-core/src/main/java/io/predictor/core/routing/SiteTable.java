package io.predictor.core.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The base table: every site of the sites file, immutable and compact. Exact names and
 * wildcard suffixes ({@code *.blog.example.net} is stored as {@code blog.example.net}) are two
 * {@link SiteSet}s; groups are dense ids into {@link #groupNames()}.
 *
 * <p>Runtime changes never copy this table; they live in the overlay of a
 * {@link RoutingSnapshot}.
 */
public final class SiteTable {

    public static final SiteTable EMPTY = new SiteTable(SiteSet.EMPTY, SiteSet.EMPTY, new String[0]);

    final SiteSet exact;
    final SiteSet wildcard;
    private final String[] groupNames;
    private final Map<String, Integer> groupIds;
    /** Per group and state, how many base sites (index {@code group * 4 + state}); the last row is "no group". */
    final int[] countsByGroupAndState;
    /** {@link #countsByGroupAndState} as the starting point of every snapshot's per-group counts. */
    private final GroupTally tally;
    private volatile int[] sortedExact;

    SiteTable(SiteSet exact, SiteSet wildcard, String[] groupNames) {
        this.exact = exact;
        this.wildcard = wildcard;
        this.groupNames = groupNames;
        this.groupIds = new HashMap<>(Math.max(16, groupNames.length * 2));
        for (int i = 0; i < groupNames.length; i++) {
            groupIds.put(groupNames[i], i);
        }
        this.countsByGroupAndState = new int[(groupNames.length + 1) * 4];
        count(exact);
        count(wildcard);
        this.tally = GroupTally.ofBase(countsByGroupAndState, groupNames.length);
    }

    GroupTally tally() {
        return tally;
    }

    private void count(SiteSet set) {
        for (int i = 0; i < set.size(); i++) {
            int g = set.groups[i] == SiteSet.NO_GROUP ? groupNames.length : set.groups[i];
            countsByGroupAndState[g * 4 + set.states[i]]++;
        }
    }

    public int size() {
        return exact.size() + wildcard.size();
    }

    public String[] groupNames() {
        return groupNames.clone();
    }

    /** Groups named in the sites file; their ids are 0 .. groupCount-1. */
    public int groupCount() {
        return groupNames.length;
    }

    String groupName(int id) {
        return groupNames[id];
    }

    /** The id of a group named in the sites file, or -1. */
    public int groupId(String name) {
        Integer id = groupIds.get(name);
        return id == null ? -1 : id;
    }

    /** Heap bytes held by this table's arrays (what DESIGN.md budgets per site). */
    public long footprintBytes() {
        return exact.footprintBytes() + wildcard.footprintBytes() + 4L * countsByGroupAndState.length;
    }

    /** Exact-name ids ordered by name, computed once on first use (admin listing, off the data plane). */
    int[] sortedExactIds() {
        int[] sorted = sortedExact;
        if (sorted == null) {
            sorted = new int[exact.size()];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = i;
            }
            IdSorter.sort(sorted, exact.index);
            sortedExact = sorted;
        }
        return sorted;
    }

    /** Builds a base table; ids are assigned in insertion order. */
    public static final class Builder {
        private final HostIndex.Builder exact;
        private final HostIndex.Builder wildcard;
        private final byte[] exactStates;
        private final int[] exactGroups;
        private final byte[] wildStates;
        private final int[] wildGroups;
        private final Map<String, Integer> groups = new HashMap<>();
        private final java.util.ArrayList<String> groupNames = new java.util.ArrayList<>();

        /**
         * @param exactNames upper bound of exact names
         * @param exactBytes upper bound of their total bytes
         * @param wildNames upper bound of wildcard entries
         * @param wildBytes upper bound of their suffix bytes
         */
        public Builder(int exactNames, int exactBytes, int wildNames, int wildBytes) {
            this.exact = new HostIndex.Builder(exactNames, exactBytes);
            this.wildcard = new HostIndex.Builder(wildNames, wildBytes);
            this.exactStates = new byte[exactNames];
            this.exactGroups = new int[exactNames];
            this.wildStates = new byte[wildNames];
            this.wildGroups = new int[wildNames];
        }

        /** Interns a group name and returns its id; null means no group. */
        public int group(String name) {
            if (name == null) {
                return SiteSet.NO_GROUP;
            }
            Integer id = groups.get(name);
            if (id == null) {
                id = groupNames.size();
                groups.put(name, id);
                groupNames.add(name);
            }
            return id;
        }

        /**
         * Adds a site. {@code name} is normalised; for a wildcard it is the suffix after
         * {@code *.}.
         *
         * @return true if added, false if the name was already present
         */
        public boolean add(boolean isWildcard, byte[] name, int off, int len, SiteState state, int groupId) {
            HostIndex.Builder index = isWildcard ? wildcard : exact;
            int id = index.add(name, off, len);
            if (id < 0) {
                return false;
            }
            (isWildcard ? wildStates : exactStates)[id] = state.code();
            (isWildcard ? wildGroups : exactGroups)[id] = groupId;
            return true;
        }

        /** Convenience for tests and the control plane: a host such as {@code *.example.com}. */
        public boolean add(String host, SiteState state, String group) {
            boolean isWildcard = host.startsWith("*.");
            byte[] b = (isWildcard ? host.substring(2) : host).getBytes(StandardCharsets.ISO_8859_1);
            return add(isWildcard, b, 0, b.length, state, group(group));
        }

        public SiteTable build() {
            int ne = exact.size();
            int nw = wildcard.size();
            return new SiteTable(
                    new SiteSet(exact.build(), trim(exactStates, ne), trim(exactGroups, ne), null),
                    new SiteSet(wildcard.build(), trim(wildStates, nw), trim(wildGroups, nw), null),
                    groupNames.toArray(new String[0]));
        }

        private static byte[] trim(byte[] a, int n) {
            return a.length == n ? a : Arrays.copyOf(a, n);
        }

        private static int[] trim(int[] a, int n) {
            return a.length == n ? a : Arrays.copyOf(a, n);
        }
    }
}

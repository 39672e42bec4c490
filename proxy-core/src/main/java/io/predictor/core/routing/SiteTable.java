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
 * {@link RoutingSnapshot}. A reload that finds few differences makes the next table from this
 * one's indexes plus a patch of those differences ({@link TablePatcher}); both tables then share
 * the big arrays.
 */
public final class SiteTable {

    public static final SiteTable EMPTY = new SiteTable(SiteSet.EMPTY, SiteSet.EMPTY, new String[0], new int[4], new long[4]);

    final SiteSet exact;
    final SiteSet wildcard;
    private final String[] groupNames;
    private final Map<String, Integer> groupIds;
    /** Per group and state, how many base sites (index {@code group * 4 + state}); the last row is "no group". */
    final int[] countsByGroupAndState;
    /** Bit {@code n} set: some wildcard suffix is {@code n} bytes long (a lookup skips the other suffixes). */
    final long[] wildcardLengths;
    /** {@link #countsByGroupAndState} as the starting point of every snapshot's per-group counts. */
    private final GroupTally tally;
    private volatile int[] sortedExact;

    SiteTable(SiteSet exact, SiteSet wildcard, String[] groupNames, int[] countsByGroupAndState, long[] wildcardLengths) {
        this(exact, wildcard, groupNames, countsByGroupAndState, wildcardLengths, null);
    }

    /** @param sortedExact the exact ids ordered by name, when another table with the same exact index has them */
    SiteTable(SiteSet exact, SiteSet wildcard, String[] groupNames, int[] countsByGroupAndState, long[] wildcardLengths,
            int[] sortedExact) {
        this.sortedExact = sortedExact;
        this.exact = exact;
        this.wildcard = wildcard;
        this.groupNames = groupNames;
        this.groupIds = new HashMap<>(Math.max(16, groupNames.length * 2));
        for (int i = 0; i < groupNames.length; i++) {
            groupIds.put(groupNames[i], i);
        }
        this.countsByGroupAndState = countsByGroupAndState;
        this.wildcardLengths = wildcardLengths;
        this.tally = GroupTally.ofBase(countsByGroupAndState, groupNames.length);
    }

    GroupTally tally() {
        return tally;
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
        return exact.footprintBytes() + wildcard.footprintBytes() + 4L * countsByGroupAndState.length
                + 8L * wildcardLengths.length;
    }

    /** How many entries of the base are patch entries (0 for a table read whole from a sites file). */
    public int patchSize() {
        return (exact.patch == null ? 0 : exact.patch.size()) + (wildcard.patch == null ? 0 : wildcard.patch.size());
    }

    /** The exact-name ids of the big index ordered by name, if already computed (a patched table shares them). */
    int[] sortedExactIdsIfKnown() {
        return sortedExact;
    }

    /**
     * Ids of the big exact index ordered by name, computed once on first use (admin listing,
     * off the data plane); names the patch removes are among them.
     */
    int[] sortedExactIds() {
        int[] sorted = sortedExact;
        if (sorted == null) {
            sorted = exact.index.ids();
            IdSorter.sort(sorted, exact.index);
            sortedExact = sorted;
        }
        return sorted;
    }

    /** Builds a base table. */
    public static final class Builder implements SitesFileParser.Sink {
        private final HostIndex.Builder exact;
        private final HostIndex.Builder wildcard;
        private final boolean appending;
        private final Groups groups = new Groups(new String[0]);

        /**
         * @param exactNames upper bound of exact names
         * @param exactBytes upper bound of their total bytes
         * @param wildNames upper bound of wildcard entries
         * @param wildBytes upper bound of their suffix bytes
         */
        public Builder(int exactNames, int exactBytes, int wildNames, int wildBytes) {
            this(exactNames, exactBytes, wildNames, wildBytes, false);
        }

        private Builder(int exactNames, int exactBytes, int wildNames, int wildBytes, boolean appending) {
            this.appending = appending;
            this.exact = appending ? HostIndex.Builder.appending(exactNames, exactBytes)
                    : new HostIndex.Builder(exactNames, exactBytes);
            this.wildcard = appending ? HostIndex.Builder.appending(wildNames, wildBytes)
                    : new HostIndex.Builder(wildNames, wildBytes);
        }

        /**
         * A builder for the sites file loader that looks for duplicates once, at the end
         * ({@link HostIndex.Builder#appending}): {@link #add} always answers true, and
         * {@link #build} answers null when some name was added twice.
         */
        static Builder appending(int exactNames, int exactBytes, int wildNames, int wildBytes) {
            return new Builder(exactNames, exactBytes, wildNames, wildBytes, true);
        }

        /** Interns a group name and returns its id; null means no group. */
        @Override
        public int group(String name) {
            return groups.intern(name);
        }

        /**
         * Adds a site. {@code name} is normalised; for a wildcard it is the suffix after
         * {@code *.}.
         *
         * @return true if added, false if the name was already present
         */
        @Override
        public boolean add(boolean isWildcard, byte[] name, int off, int len, SiteState state, int groupId) {
            HostIndex.Builder index = isWildcard ? wildcard : exact;
            groups.check(groupId);
            int payload = SiteSet.payload(state.code(), groupId);
            if (appending) {
                index.append(name, off, len, payload);
            } else if (index.add(name, off, len, payload) < 0) {
                return false;
            }
            groups.count(isWildcard, len, state, groupId);
            return true;
        }

        /** Convenience for tests and the control plane: a host such as {@code *.example.com}. */
        public boolean add(String host, SiteState state, String group) {
            boolean isWildcard = host.startsWith("*.");
            byte[] b = (isWildcard ? host.substring(2) : host).getBytes(StandardCharsets.ISO_8859_1);
            return add(isWildcard, b, 0, b.length, state, group(group));
        }

        /** The table; for an {@link #appending} builder, null when some name was added twice. */
        public SiteTable build() {
            HostIndex exactIndex = appending ? exact.buildAppended() : exact.build();
            HostIndex wildcardIndex = appending ? wildcard.buildAppended() : wildcard.build();
            if (exactIndex == null || wildcardIndex == null) {
                return null;
            }
            return new SiteTable(new SiteSet(exactIndex), new SiteSet(wildcardIndex),
                    groups.names(), groups.countsByGroupAndState(), groups.wildcardLengths());
        }
    }

    /**
     * A table's groups and counts while it is filled: group names interned to dense ids (after
     * those it starts with), sites per group and state, wildcard suffix lengths.
     */
    static final class Groups {
        private final Map<String, Integer> ids = new HashMap<>();
        private final java.util.ArrayList<String> names = new java.util.ArrayList<>();
        /** Per group and state (index {@code group * 4 + state}), grown with the groups; the no-group sites apart. */
        private int[] counts = new int[64];
        private final int[] noGroupCounts = new int[4];
        private final long[] wildcardLengths = new long[4];

        /** @param first the names of ids 0 .. first.length - 1 */
        Groups(String[] first) {
            for (String n : first) {
                intern(n);
            }
        }

        int intern(String name) {
            if (name == null) {
                return SiteSet.NO_GROUP;
            }
            Integer id = ids.get(name);
            if (id == null) {
                id = names.size();
                ids.put(name, id);
                names.add(name);
            }
            return id;
        }

        void check(int groupId) {
            if (groupId < SiteSet.NO_GROUP || groupId >= names.size()) {
                throw new IllegalArgumentException("unknown group id " + groupId);
            }
        }

        /** Counts one site of the table. */
        void count(boolean isWildcard, int len, SiteState state, int groupId) {
            if (groupId == SiteSet.NO_GROUP) {
                noGroupCounts[state.code()]++;
            } else {
                if (groupId * 4 + 4 > counts.length) {
                    counts = Arrays.copyOf(counts, Math.max(counts.length * 2, groupId * 4 + 4));
                }
                counts[groupId * 4 + state.code()]++;
            }
            if (isWildcard) {
                wildcardLengths[len >>> 6] |= 1L << len;
            }
        }

        String[] names() {
            return names.toArray(new String[0]);
        }

        int[] countsByGroupAndState() {
            int g = names.size();
            int[] byGroup = new int[(g + 1) * 4];
            System.arraycopy(counts, 0, byGroup, 0, Math.min(counts.length, g * 4));
            System.arraycopy(noGroupCounts, 0, byGroup, g * 4, 4);
            return byGroup;
        }

        long[] wildcardLengths() {
            return wildcardLengths.clone();
        }
    }
}

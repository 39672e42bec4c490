package io.predictor.core.routing;

/**
 * One immutable set of sites: names in a {@link HostIndex}, and per id a state code and a group
 * id in primitive arrays. The base table keeps exact names and wildcard suffixes in two sets;
 * the runtime overlay uses the same shape plus the revision that set each entry.
 */
final class SiteSet {

    /** State code of an overlay entry that deletes the site. */
    static final byte DELETED = -1;
    static final int NO_GROUP = -1;

    static final SiteSet EMPTY = new SiteSet(HostIndex.EMPTY, new byte[0], new int[0], null);

    final HostIndex index;
    final byte[] states;
    final int[] groups;
    /** Revision that set each entry; null in the base table (revision 0). */
    final long[] revisions;

    SiteSet(HostIndex index, byte[] states, int[] groups, long[] revisions) {
        this.index = index;
        this.states = states;
        this.groups = groups;
        this.revisions = revisions;
    }

    int size() {
        return index.size();
    }

    long revision(int id) {
        return revisions == null ? 0 : revisions[id];
    }

    long footprintBytes() {
        return index.footprintBytes() + states.length + 4L * groups.length
                + (revisions == null ? 0 : 8L * revisions.length);
    }
}

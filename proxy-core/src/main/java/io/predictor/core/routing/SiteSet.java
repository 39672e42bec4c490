package io.predictor.core.routing;

/**
 * One immutable set of sites: names in a {@link HostIndex}, each with its state code and group
 * id packed in the record's payload ({@code (group + 1) << 2 | state}), so that a hit reads them
 * from the cache line that held the name. The base table keeps exact names and wildcard suffixes
 * in two sets; the runtime overlay is an {@link Overlay}.
 */
final class SiteSet {

    /** State code of an overlay entry that deletes the site. */
    static final byte DELETED = -1;
    static final int NO_GROUP = -1;

    static final SiteSet EMPTY = new SiteSet(HostIndex.EMPTY);

    final HostIndex index;

    SiteSet(HostIndex index) {
        this.index = index;
    }

    static int payload(int state, int group) {
        return (group + 1) << 2 | state;
    }

    static int stateOf(int payload) {
        return payload & 3;
    }

    static int groupOf(int payload) {
        return (payload >>> 2) - 1;
    }

    int size() {
        return index.size();
    }

    long footprintBytes() {
        return index.footprintBytes();
    }
}

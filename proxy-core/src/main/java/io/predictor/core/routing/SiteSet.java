package io.predictor.core.routing;

/**
 * One immutable set of sites: names in a {@link HostIndex}, each with its state code and group
 * id packed in the record's payload ({@code (group + 1) << 2 | state}), so that a hit reads them
 * from the cache line that held the name. The base table keeps exact names and wildcard suffixes
 * in two sets; the runtime overlay is an {@link Overlay}.
 *
 * <p>A set may carry a <em>patch</em>: a second, small {@link HostIndex} of the names whose
 * entry differs from the big one's — added, changed, or {@link #REMOVED} — which a reload of the
 * sites file builds instead of a second full index ({@link TablePatcher}). The patch is part of
 * the base (what the sites file says), not a runtime override: it is read first, then the big
 * index.
 */
final class SiteSet {

    /** State code of an overlay entry that deletes the site. */
    static final byte DELETED = -1;
    static final int NO_GROUP = -1;
    /** Payload of a patch entry that removes the big index's entry of the same name. */
    static final int REMOVED = -1;

    static final SiteSet EMPTY = new SiteSet(HostIndex.EMPTY);

    final HostIndex index;
    /** Entries that replace or remove the index's; null when there are none. */
    final HostIndex patch;
    private final int size;

    SiteSet(HostIndex index) {
        this(index, null, index.size());
    }

    SiteSet(HostIndex index, HostIndex patch, int size) {
        this.index = index;
        this.patch = patch == null || patch.size() == 0 ? null : patch;
        this.size = size;
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

    /** The payload of a normalised name, or -1 when the set does not hold it. Allocates nothing. */
    int payload(byte[] name, int off, int len, long hash) {
        HostIndex p = patch;
        if (p != null) {
            int id = p.find(name, off, len, hash);
            if (id >= 0) {
                return p.payload(id); // REMOVED is -1
            }
        }
        int id = index.find(name, off, len, hash);
        return id < 0 ? -1 : index.payload(id);
    }

    /** The payload of a name whose big-index payload (or -1) is known: the patch's, when it has the name. */
    int patched(byte[] name, int off, int len, long hash, int indexPayload) {
        HostIndex p = patch;
        int id = p == null ? -1 : p.find(name, off, len, hash);
        return id < 0 ? indexPayload : p.payload(id);
    }

    int payload(byte[] name, int off, int len) {
        return payload(name, off, len, HostName.hash64(name, off, len));
    }

    int size() {
        return size;
    }

    long footprintBytes() {
        return index.footprintBytes() + (patch == null ? 0 : patch.footprintBytes());
    }
}

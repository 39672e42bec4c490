package io.predictor.core.routing;

/**
 * Reads a sites file against the base table in service and makes the next base table out of
 * the differences, without a second full index: the big indexes are shared, and each
 * {@link SiteSet} gets a patch of the names whose entry differs from the big index's — added,
 * changed (state or group), or removed. Memory: O(differences), plus a bitset over the big
 * indexes' slots that marks the entries the file still names (~0.5 MB for 3,000,000 sites).
 *
 * <p>The patch is kept relative to the big indexes, not to the table in service: a second
 * reload against a patched table makes a fresh patch (what the new file says and the big index
 * does not), so patches never stack. Past {@code limit} patch entries the patcher gives up
 * ({@link TooManyDifferences}) and the caller reads the file whole.
 *
 * <p>Why a patch beside the big index rather than a new big index copied with the edits: the
 * copy is itself a second full table (~108 MB for 3,000,000 sites), which is what does not fit
 * in {@code bin/predictor}'s heap; the patch costs O(differences) and, on the data plane, one
 * probe of a small (cache-resident) index before the big one, only while a patch exists. And
 * why not the runtime overlay: the file's differences are the base, below every operator
 * override, with none of an override's revision, journal record, history entry or count.
 *
 * <p>Group ids: the table in service's ids are kept (its big indexes' payloads hold them), new
 * groups come after them; a group no line names any more stays, with no sites (it is then
 * listed nowhere, as in a table read whole).
 */
final class TablePatcher implements SitesFileParser.Sink {

    /** The patch would pass its limit: read the file whole instead. */
    static final class TooManyDifferences extends RuntimeException {
        TooManyDifferences() {
            super(null, null, false, false);
        }
    }

    private final SiteTable inService;
    private final int limit;
    private final SiteTable.Groups groups;
    private final Side exact;
    private final Side wildcard;
    private int added;
    private int changed;

    /** One kind of name (exact or wildcard): the set in service, the entries seen, the new patch. */
    private static final class Side {
        final SiteSet inService;
        /** Bit per slot of the big index: the file names that entry. */
        final long[] seen;
        final HostIndex.Builder patch = HostIndex.Builder.growable();
        int size;

        Side(SiteSet inService) {
            this.inService = inService;
            this.seen = new long[(inService.index.slotCount() + 63) >>> 6];
        }
    }

    TablePatcher(SiteTable inService, int limit) {
        this.inService = inService;
        this.limit = limit;
        this.groups = new SiteTable.Groups(inService.groupNames());
        this.exact = new Side(inService.exact);
        this.wildcard = new Side(inService.wildcard);
    }

    @Override
    public int group(String name) {
        return groups.intern(name);
    }

    @Override
    public boolean add(boolean isWildcard, byte[] name, int off, int len, SiteState state, int groupId) {
        groups.check(groupId);
        Side side = isWildcard ? wildcard : exact;
        long hash = HostName.hash64(name, off, len);
        int payload = SiteSet.payload(state.code(), groupId);
        HostIndex big = side.inService.index;
        int slot = big.findSlot(name, off, len, hash);
        int bigPayload = -1;
        if (slot >= 0) {
            long bit = 1L << slot;
            if ((side.seen[slot >>> 6] & bit) != 0) {
                return false; // a duplicate line
            }
            side.seen[slot >>> 6] |= bit;
            bigPayload = big.payload(big.idAt(slot));
            if (payload != bigPayload) {
                putPatch(side, name, off, len, payload);
            }
        } else if (!putPatch(side, name, off, len, payload)) {
            return false; // a duplicate line
        }
        int before = side.inService.patched(name, off, len, hash, bigPayload);
        if (before < 0) {
            added++;
        } else if (before != payload) {
            changed++;
        }
        side.size++;
        groups.count(isWildcard, len, state, groupId);
        return true;
    }

    /** Adds a patch entry; false when the patch already holds the name. */
    private boolean putPatch(Side side, byte[] name, int off, int len, int payload) {
        if (exact.patch.size() + wildcard.patch.size() >= limit) {
            throw new TooManyDifferences();
        }
        return side.patch.add(name, off, len, payload) >= 0;
    }

    /**
     * The next base table, once every line was added: the big indexes' entries the file did not
     * name are removed by patch entries.
     *
     * @throws TooManyDifferences when the removals take the patch past its limit
     */
    SiteTable finish() {
        removeUnseen(exact);
        removeUnseen(wildcard);
        return new SiteTable(new SiteSet(inService.exact.index, exact.patch.build(), exact.size),
                new SiteSet(inService.wildcard.index, wildcard.patch.build(), wildcard.size),
                groups.names(), groups.countsByGroupAndState(), groups.wildcardLengths(),
                inService.sortedExactIdsIfKnown());
    }

    private void removeUnseen(Side side) {
        HostIndex big = side.inService.index;
        byte[] name = new byte[HostName.MAX_LENGTH + 2];
        for (int w = 0; w < side.seen.length; w++) {
            long unseen = ~side.seen[w];
            while (unseen != 0) {
                int slot = (w << 6) + Long.numberOfTrailingZeros(unseen);
                unseen &= unseen - 1;
                if (slot >= big.slotCount()) {
                    break;
                }
                int id = big.idAt(slot);
                if (id >= 0) {
                    putPatch(side, name, 0, big.copyName(id, name), SiteSet.REMOVED);
                }
            }
        }
    }

    /** Against the table in service; call after {@link #finish()}. */
    SitesFileParser.Differences differences() {
        int sizeBefore = inService.size();
        int sizeAfter = exact.size + wildcard.size;
        return new SitesFileParser.Differences(added, changed, sizeBefore + added - sizeAfter);
    }
}

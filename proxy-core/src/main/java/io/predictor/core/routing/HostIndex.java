package io.predictor.core.routing;

import java.util.Arrays;

/**
 * An immutable set of host names, each mapped to a dense id {@code 0..size-1}: the names' bytes
 * in one arena, an offsets array, and an open-addressing slot array (linear probing, load at
 * most 3/4). About 4 bytes of offsets plus 5–6 bytes of slots per name, plus the name itself —
 * the layout DESIGN.md asks of a 3,000,000-site table. {@link #find} allocates nothing.
 *
 * <p>A slot holds {@code id + 1} in its low bits and, in the bits the largest id leaves free
 * (10 of them for 3,000,000 names), a fingerprint of the name's hash: a probe that passes an
 * occupied slot of another name then almost never reads that name's offsets and bytes, which
 * lie elsewhere in memory (a miss probes ~6 slots at load 3/4).
 */
public final class HostIndex {

    static final HostIndex EMPTY = new Builder(0, 0).build();

    private final byte[] arena;
    private final int[] offsets;
    private final int[] slots; // fingerprint << idBits | (id + 1); 0 = empty
    private final int mask;
    private final int idBits;
    private final int idMask;
    private final int size;

    private HostIndex(byte[] arena, int[] offsets, int[] slots, int idBits, int size) {
        this.arena = arena;
        this.offsets = offsets;
        this.slots = slots;
        this.mask = slots.length - 1;
        this.idBits = idBits;
        this.idMask = (1 << idBits) - 1;
        this.size = size;
    }

    /** Bits of a slot that hold {@code id + 1} for an index of at most {@code maxNames} names (1..31). */
    static int idBits(int maxNames) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(maxNames));
    }

    /**
     * The fingerprint stored above the id: the top {@code 32 - idBits} bits of a second mix of
     * the hash, so that names whose home slots are neighbours (same low hash bits) still differ.
     */
    static int fingerprint(int hash, int idBits) {
        return (hash * 0x9E3779B9) >>> idBits;
    }

    public int size() {
        return size;
    }

    /** The id of {@code name[off, off+len)}, or -1. The name must already be normalised. */
    public int find(byte[] name, int off, int len) {
        if (size == 0) {
            return -1;
        }
        int hash = HostName.hash(name, off, len);
        int fp = fingerprint(hash, idBits);
        int slot = hash & mask;
        while (true) {
            int entry = slots[slot];
            if (entry == 0) {
                return -1;
            }
            if (entry >>> idBits == fp) {
                int id = (entry & idMask) - 1;
                int start = offsets[id];
                if (offsets[id + 1] - start == len
                        && Arrays.equals(arena, start, start + len, name, off, off + len)) {
                    return id;
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Length of the name with this id. */
    public int length(int id) {
        return offsets[id + 1] - offsets[id];
    }

    /** The name with this id (allocates; control plane only). */
    public String name(int id) {
        return new String(arena, offsets[id], length(id), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Compares the name with this id to {@code other}'s name, byte order (= host order for ASCII). */
    int compare(int id, HostIndex other, int otherId) {
        return Arrays.compare(arena, offsets[id], offsets[id + 1],
                other.arena, other.offsets[otherId], other.offsets[otherId + 1]);
    }

    int compare(int id, byte[] name) {
        return Arrays.compare(arena, offsets[id], offsets[id + 1], name, 0, name.length);
    }

    /** Heap bytes held by the arrays of this index. */
    public long footprintBytes() {
        return 16L * 3 + arena.length + 4L * offsets.length + 4L * slots.length;
    }

    /**
     * Fills an index with a known number of names and bytes (the sites file loader counts both
     * in a first pass, so nothing is grown and copied while three million names go in).
     */
    public static final class Builder {
        private final byte[] arena;
        private final int[] offsets;
        private final int[] slots;
        private final int mask;
        private final int idBits;
        private int size;
        private int used;

        public Builder(int maxNames, int maxBytes) {
            this.arena = new byte[maxBytes];
            this.offsets = new int[maxNames + 1];
            int capacity = Integer.highestOneBit(Math.max(4, maxNames + maxNames / 3) - 1) << 1;
            this.slots = new int[capacity];
            this.mask = capacity - 1;
            this.idBits = idBits(maxNames);
        }

        public int size() {
            return size;
        }

        /**
         * Adds a normalised name.
         *
         * @return its new id, or {@code -(existingId + 1)} if the name is already present
         */
        public int add(byte[] name, int off, int len) {
            int hash = HostName.hash(name, off, len);
            int fp = fingerprint(hash, idBits);
            int idMask = (1 << idBits) - 1;
            int slot = hash & mask;
            while (true) {
                int entry = slots[slot];
                if (entry == 0) {
                    break;
                }
                if (entry >>> idBits == fp) {
                    int idPlus1 = entry & idMask;
                    int start = offsets[idPlus1 - 1];
                    if (offsets[idPlus1] - start == len
                            && Arrays.equals(arena, start, start + len, name, off, off + len)) {
                        return -idPlus1;
                    }
                }
                slot = (slot + 1) & mask;
            }
            if (size == offsets.length - 1 || used + len > arena.length) {
                throw new IllegalStateException("HostIndex.Builder capacity exceeded");
            }
            System.arraycopy(name, off, arena, used, len);
            used += len;
            int id = size++;
            offsets[id + 1] = used;
            slots[slot] = fp << idBits | (id + 1);
            return id;
        }

        public HostIndex build() {
            byte[] a = used == arena.length ? arena : Arrays.copyOf(arena, used);
            int[] o = size + 1 == offsets.length ? offsets : Arrays.copyOf(offsets, size + 1);
            return new HostIndex(a, o, slots, idBits, size);
        }
    }
}

package io.predictor.core.routing;

import java.util.Arrays;

/**
 * An immutable set of host names, each mapped to a dense id {@code 0..size-1}: the names' bytes
 * in one arena, an offsets array, and an open-addressing slot array (linear probing, load at
 * most 3/4). About 4 bytes of offsets plus 5–6 bytes of slots per name, plus the name itself —
 * the layout DESIGN.md asks of a 3,000,000-site table. {@link #find} allocates nothing.
 */
public final class HostIndex {

    static final HostIndex EMPTY = new Builder(0, 0).build();

    private final byte[] arena;
    private final int[] offsets;
    private final int[] slots; // id + 1; 0 = empty
    private final int mask;
    private final int size;

    private HostIndex(byte[] arena, int[] offsets, int[] slots, int size) {
        this.arena = arena;
        this.offsets = offsets;
        this.slots = slots;
        this.mask = slots.length - 1;
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** The id of {@code name[off, off+len)}, or -1. The name must already be normalised. */
    public int find(byte[] name, int off, int len) {
        if (size == 0) {
            return -1;
        }
        int slot = HostName.hash(name, off, len) & mask;
        while (true) {
            int idPlus1 = slots[slot];
            if (idPlus1 == 0) {
                return -1;
            }
            int id = idPlus1 - 1;
            int start = offsets[id];
            if (offsets[id + 1] - start == len
                    && Arrays.equals(arena, start, start + len, name, off, off + len)) {
                return id;
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
        private int size;
        private int used;

        public Builder(int maxNames, int maxBytes) {
            this.arena = new byte[maxBytes];
            this.offsets = new int[maxNames + 1];
            int capacity = Integer.highestOneBit(Math.max(4, maxNames + maxNames / 3) - 1) << 1;
            this.slots = new int[capacity];
            this.mask = capacity - 1;
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
            int slot = HostName.hash(name, off, len) & mask;
            while (true) {
                int idPlus1 = slots[slot];
                if (idPlus1 == 0) {
                    break;
                }
                int id = idPlus1 - 1;
                int start = offsets[id];
                if (offsets[id + 1] - start == len
                        && Arrays.equals(arena, start, start + len, name, off, off + len)) {
                    return -idPlus1;
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
            slots[slot] = id + 1;
            return id;
        }

        public HostIndex build() {
            byte[] a = used == arena.length ? arena : Arrays.copyOf(arena, used);
            int[] o = size + 1 == offsets.length ? offsets : Arrays.copyOf(offsets, size + 1);
            return new HostIndex(a, o, slots, size);
        }
    }
}

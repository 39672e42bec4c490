package io.predictor.core.routing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An immutable set of host names, each with a 32-bit payload (for the base table: state and
 * group): one record per name in a byte arena — {@code [length][payload, 4 bytes][name]} — and
 * an open-addressing slot array (linear probing, load at most 3/4) of longs, each holding the
 * upper 32 bits of the name's {@link HostName#hash64} (a fingerprint; its low bits chose the
 * slot) and the record's offset + 1. The offset is the entry's id.
 *
 * <p>Why this layout: a lookup over 3,000,000 names is dominated by cache and TLB misses, one
 * per dependent array access (the table is ~100 MB; a random slot or record is a miss). A hit
 * reads one slot and one record — name, state and group together, where the previous layout
 * read a slot, an offsets array, the names, a states and a groups array; a miss reads only
 * slots, since a 32-bit fingerprint almost never matches another name's. About 11 bytes of
 * slots plus 5 of record header a name, plus the name itself. {@link #find} allocates nothing.
 */
public final class HostIndex {

    /**
     * More names, or name bytes, than a builder was sized for: for the sites file's loader, the
     * file grew between the pass that counted its lines and the one that loads them.
     */
    public static final class CapacityExceeded extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CapacityExceeded() {
            super("HostIndex.Builder capacity exceeded");
        }
    }

    /** Record header: one byte of length, four of payload. */
    static final int HEADER = 5;

    static final HostIndex EMPTY = new Builder(0, 0).build();

    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] arena;
    private final long[] slots; // fingerprint << 32 | (offset + 1); 0 = empty
    private final int mask;
    private final int size;

    private HostIndex(byte[] arena, long[] slots, int size) {
        this.arena = arena;
        this.slots = slots;
        this.mask = slots.length - 1;
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** An index from the arrays another one was made of ({@link SiteTableImage}); null when they cannot be one. */
    static HostIndex of(byte[] arena, long[] slots, int size) {
        // size < slots: an empty slot ends every probe (with none, a name not in the table loops for ever)
        if (slots.length == 0 || Integer.bitCount(slots.length) != 1 || size < 0 || size >= slots.length) {
            return null;
        }
        // the image's CRC vouches for its bytes, not for the code that wrote them: one pass (~10 ms
        // for 3M names) checks that the slots agree with the size and point into the arena
        int used = 0;
        for (long entry : slots) {
            if (entry != 0) {
                int ref = (int) entry - 1;
                if (ref < 0 || ref >= arena.length) {
                    return null;
                }
                used++;
            }
        }
        return used == size ? new HostIndex(arena, slots, size) : null;
    }

    /** The names' bytes, for {@link SiteTableImage}: never written to. */
    byte[] arena() {
        return arena;
    }

    /** The open-addressing slots, for {@link SiteTableImage}: never written to. */
    long[] slots() {
        return slots;
    }

    /** The id of {@code name[off, off+len)}, or -1. The name must already be normalised. */
    public int find(byte[] name, int off, int len) {
        return find(name, off, len, HostName.hash64(name, off, len));
    }

    /** {@link #find(byte[], int, int)} with the name's {@link HostName#hash64} already computed. */
    int find(byte[] name, int off, int len, long hash) {
        long[] s = slots;
        int m = mask;
        int fingerprint = (int) (hash >>> 32);
        for (int slot = (int) hash & m; ; slot = (slot + 1) & m) {
            long entry = s[slot];
            if (entry == 0) {
                return -1;
            }
            if ((int) (entry >>> 32) == fingerprint) {
                int ref = (int) entry - 1;
                if (matches(arena, ref, name, off, len)) {
                    return ref;
                }
            }
        }
    }

    /**
     * The slot that holds the name, or -1: a dense key of the entry, below {@link #slotCount()}
     * (a reload marks the entries the new sites file still names in a bitset over the slots).
     */
    int findSlot(byte[] name, int off, int len, long hash) {
        int fingerprint = (int) (hash >>> 32);
        for (int slot = (int) hash & mask; ; slot = (slot + 1) & mask) {
            long entry = slots[slot];
            if (entry == 0) {
                return -1;
            }
            if ((int) (entry >>> 32) == fingerprint && matches(arena, (int) entry - 1, name, off, len)) {
                return slot;
            }
        }
    }

    int slotCount() {
        return slots.length;
    }

    /** The id held by a slot, or -1 for an empty slot. */
    int idAt(int slot) {
        return (int) slots[slot] - 1;
    }

    /** Copies the name with this id into {@code dst} from 0; returns its length. */
    int copyName(int id, byte[] dst) {
        int len = length(id);
        System.arraycopy(arena, id + HEADER, dst, 0, len);
        return len;
    }

    /** Whether the record at {@code ref} holds {@code name[off, off+len)}: its length, then eight bytes at a time. */
    private static boolean matches(byte[] a, int ref, byte[] name, int off, int len) {
        if ((a[ref] & 0xff) != len) {
            return false;
        }
        int p = ref + HEADER;
        if (len >= 8) {
            int i = 0;
            for (; i < len - 8; i += 8) {
                if ((long) LONGS.get(a, p + i) != (long) LONGS.get(name, off + i)) {
                    return false;
                }
            }
            // the last eight bytes, overlapping the previous word when len is not a multiple of 8
            return (long) LONGS.get(a, p + len - 8) == (long) LONGS.get(name, off + len - 8);
        }
        for (int i = 0; i < len; i++) {
            if (a[p + i] != name[off + i]) {
                return false;
            }
        }
        return true;
    }

    /** The payload stored with the name of this id. */
    int payload(int id) {
        return (int) INTS.get(arena, id + 1);
    }

    /** Length of the name with this id. */
    public int length(int id) {
        return arena[id] & 0xff;
    }

    /** The name with this id (allocates; control plane only). */
    public String name(int id) {
        return new String(arena, id + HEADER, length(id), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Every id, in the order the names were added (allocates; control plane only). */
    int[] ids() {
        int[] ids = new int[size];
        for (int i = 0, ref = 0; i < size; i++) {
            ids[i] = ref;
            ref += HEADER + length(ref);
        }
        return ids;
    }

    /** Compares the name with this id to {@code other}'s name, byte order (= host order for ASCII). */
    int compare(int id, HostIndex other, int otherId) {
        int from = id + HEADER;
        int otherFrom = otherId + HEADER;
        return Arrays.compare(arena, from, from + length(id),
                other.arena, otherFrom, otherFrom + other.length(otherId));
    }

    int compare(int id, byte[] name) {
        int from = id + HEADER;
        return Arrays.compare(arena, from, from + length(id), name, 0, name.length);
    }

    /** Heap bytes held by the arrays of this index. */
    public long footprintBytes() {
        return 16L * 2 + arena.length + 8L * slots.length;
    }

    /**
     * Fills an index with a known number of names and bytes (the sites file loader counts both
     * in a first pass, so nothing is grown and copied while three million names go in).
     */
    public static final class Builder {
        private static final int BUCKET_SHIFT = 13;
        private byte[] arena;
        private long[] slots;
        private int mask;
        private int maxNames;
        private final boolean growable;
        /** Appending builder ({@link #appending}): names per bucket of 2^bucketShift slots; else null. */
        private final int[] bucketSizes;
        private final int bucketShift;
        private int size;
        private int used;

        /**
         * @param maxNames at most this many names
         * @param maxBytes at most this many bytes of names in all (headers not included)
         */
        public Builder(int maxNames, int maxBytes) {
            this(maxNames, maxBytes, false);
        }

        private Builder(int maxNames, int maxBytes, boolean growable) {
            this(maxNames, maxBytes, growable, false);
        }

        private Builder(int maxNames, int maxBytes, boolean growable, boolean appending) {
            this.growable = growable;
            this.maxNames = maxNames;
            this.arena = new byte[Math.addExact(maxBytes, Math.multiplyExact(HEADER, maxNames))];
            int capacity = Integer.highestOneBit(Math.max(4, maxNames + maxNames / 3) - 1) << 1;
            this.slots = new long[capacity];
            this.mask = capacity - 1;
            // buckets of at most 8,192 slots (64 KiB: the layout of one bucket stays in the L2 cache)
            // an id + 1 takes the low bits of a sorted entry's 32, the home within its bucket the others
            int idBits = 32 - Integer.numberOfLeadingZeros(arena.length);
            this.bucketShift = Math.min(Integer.numberOfTrailingZeros(capacity), Math.min(BUCKET_SHIFT, 32 - idBits));
            this.bucketSizes = appending ? new int[capacity >>> bucketShift] : null;
        }

        /**
         * A builder that appends names without looking for them ({@link #append}) and lays out
         * the slots once, in {@link #buildAppended}: the sites file loader's. Probing the slot
         * array per name costs a cache miss per name, ~0.3 µs each, ~0.9 s of a 3,000,000-site
         * load; laid out a bucket of slots at a time, the slots are written from the cache.
         */
        static Builder appending(int maxNames, int maxBytes) {
            return new Builder(maxNames, maxBytes, false, true);
        }

        /** A builder for an unknown, small number of names (a reload's differences): it doubles when full. */
        static Builder growable() {
            return new Builder(64, 64 * 24, true);
        }

        public int size() {
            return size;
        }

        /** Adds a normalised name with payload 0; see {@link #add(byte[], int, int, int)}. */
        public int add(byte[] name, int off, int len) {
            return add(name, off, len, 0);
        }

        /**
         * Adds a normalised name (1 to 255 bytes) and its payload.
         *
         * @return its new id, or {@code -(existingId + 1)} if the name is already present (its
         *         payload is left as it was)
         */
        public int add(byte[] name, int off, int len, int payload) {
            if (bucketSizes != null) {
                throw new IllegalStateException("an appending builder: append, then buildAppended");
            }
            if (len < 1 || len > 255) {
                throw new IllegalArgumentException("host name of " + len + " bytes");
            }
            long hash = HostName.hash64(name, off, len);
            int slot = probe(name, off, len, hash, true);
            if (slot < 0) {
                return slot;
            }
            if (size == maxNames || used + HEADER + len > arena.length) {
                if (!growable) {
                    throw new CapacityExceeded();
                }
                grow(len);
                return add(name, off, len, payload);
            }
            int ref = record(name, off, len, payload);
            slots[slot] = (hash >>> 32) << 32 | (ref + 1L);
            return ref;
        }

        /** Writes the next record of the arena; returns its id. */
        private int record(byte[] name, int off, int len, int payload) {
            int ref = used;
            arena[ref] = (byte) len;
            INTS.set(arena, ref + 1, payload);
            System.arraycopy(name, off, arena, ref + HEADER, len);
            used += HEADER + len;
            size++;
            return ref;
        }

        /**
         * Appends a normalised name (1 to 255 bytes) and its payload to an {@link #appending}
         * builder without looking for it: a name appended twice is found by {@link #buildAppended}.
         *
         * @return its id
         */
        int append(byte[] name, int off, int len, int payload) {
            if (bucketSizes == null) {
                throw new IllegalStateException("not an appending builder");
            }
            if (len < 1 || len > 255) {
                throw new IllegalArgumentException("host name of " + len + " bytes");
            }
            if (size == maxNames || used + HEADER + len > arena.length) {
                throw new CapacityExceeded();
            }
            bucketSizes[((int) HostName.hash64(name, off, len) & mask) >>> bucketShift]++;
            return record(name, off, len, payload);
        }

        /**
         * The index of the names appended, or null when a name was appended twice. The slots are
         * laid out with no large array beside them (the heap holds the table and little more):
         * the names are first counting-sorted by bucket of slots into the bottom of the slot
         * array itself, each as its slot's long with its home within the bucket packed above the
         * id; then the buckets are placed from the last one down, each name by linear probing
         * from its home within a stretch of slots that stays in the cache. A bucket's sorted
         * names lie below its own slots, except in the first few buckets (taken aside first) or
         * when the names spread very unevenly (then each is placed by probing, as {@link #add}
         * would); a name whose cluster runs past the end is placed after all others. Any order
         * of insertion makes a valid table; the ids, records and payloads are those {@link #add}
         * makes.
         */
        HostIndex buildAppended() {
            if (bucketSizes == null) {
                throw new IllegalStateException("not an appending builder");
            }
            int buckets = bucketSizes.length;
            int[] start = new int[buckets + 1];
            int aside = 0; // the sorted names of buckets 0 .. b, b the last bucket whose names start above its slots
            for (int b = 0; b < buckets; b++) {
                start[b + 1] = start[b] + bucketSizes[b];
                if (start[b] > b << bucketShift) {
                    aside = start[b + 1];
                }
            }
            if (aside > 4096 + size / 64) {
                return placeInOrder() ? index() : null;
            }
            int idBits = 32 - bucketShift;
            int[] next = Arrays.copyOf(start, buckets);
            for (int i = 0, ref = 0; i < size; i++) {
                int len = arena[ref] & 0xff;
                long hash = HostName.hash64(arena, ref + HEADER, len);
                int home = (int) hash & mask;
                long low = (long) (home & ((1 << bucketShift) - 1)) << idBits | (ref + 1L);
                slots[next[home >>> bucketShift]++] = (hash >>> 32) << 32 | low;
                ref += HEADER + len;
            }
            long[] first = Arrays.copyOf(slots, aside);
            Arrays.fill(slots, 0, aside, 0L);
            long[] bucket = new long[64];
            int[] pastEnd = new int[16];
            int pastEndCount = 0;
            for (int b = buckets - 1; b >= 0; b--) {
                int n = start[b + 1] - start[b];
                if (n > bucket.length) {
                    bucket = new long[n];
                }
                if (start[b + 1] <= aside) {
                    System.arraycopy(first, start[b], bucket, 0, n);
                } else {
                    System.arraycopy(slots, start[b], bucket, 0, n);
                    Arrays.fill(slots, start[b], start[b + 1], 0L);
                }
                for (int k = 0; k < n; k++) {
                    long sorted = bucket[k];
                    int ref = (int) (sorted & ((1L << idBits) - 1)) - 1;
                    int home = b << bucketShift | (int) (sorted >>> idBits) & ((1 << bucketShift) - 1);
                    int slot = probe(arena, ref + HEADER, arena[ref] & 0xff, (sorted >>> 32) << 32 | home, false);
                    if (slot == PAST_END) {
                        if (pastEndCount == pastEnd.length) {
                            pastEnd = Arrays.copyOf(pastEnd, pastEndCount * 2);
                        }
                        pastEnd[pastEndCount++] = ref;
                    } else if (slot < 0) {
                        return null;
                    } else {
                        slots[slot] = (sorted >>> 32) << 32 | (ref + 1L);
                    }
                }
            }
            for (int k = 0; k < pastEndCount; k++) {
                if (!place(pastEnd[k])) {
                    return null;
                }
            }
            return index();
        }

        /** Places each appended name by probing, in id order; false when a name was appended twice. */
        private boolean placeInOrder() {
            for (int i = 0, ref = 0; i < size; i++) {
                if (!place(ref)) {
                    return false;
                }
                ref += HEADER + (arena[ref] & 0xff);
            }
            return true;
        }

        /** Places the record {@code ref} by probing; false when the slots hold its name already. */
        private boolean place(int ref) {
            int len = arena[ref] & 0xff;
            long hash = HostName.hash64(arena, ref + HEADER, len);
            int slot = probe(arena, ref + HEADER, len, hash, true);
            if (slot < 0) {
                return false;
            }
            slots[slot] = (hash >>> 32) << 32 | (ref + 1L);
            return true;
        }

        private static final int PAST_END = Integer.MIN_VALUE;

        /**
         * The first free slot from the name's home ({@code (int) hash & mask}; its fingerprint
         * {@code hash >>> 32}), {@code -(id + 1)} when a slot holds the name, or, without
         * {@code wrap}, {@link #PAST_END} when the cluster runs past the last slot.
         */
        private int probe(byte[] name, int off, int len, long hash, boolean wrap) {
            int fingerprint = (int) (hash >>> 32);
            int slot = (int) hash & mask;
            while (true) {
                long entry = slots[slot];
                if (entry == 0) {
                    return slot;
                }
                if ((int) (entry >>> 32) == fingerprint && matches(arena, (int) entry - 1, name, off, len)) {
                    return -(int) entry;
                }
                if (slot == mask && !wrap) {
                    return PAST_END;
                }
                slot = (slot + 1) & mask;
            }
        }

        /** Room for twice the names and bytes (at least one more name of {@code len} bytes); slots placed again. */
        private void grow(int len) {
            maxNames *= 2;
            arena = Arrays.copyOf(arena, Math.max(arena.length * 2, used + HEADER + len));
            int capacity = Integer.highestOneBit(Math.max(4, maxNames + maxNames / 3) - 1) << 1;
            long[] old = slots;
            slots = new long[capacity];
            mask = capacity - 1;
            for (long entry : old) {
                if (entry != 0) {
                    int ref = (int) entry - 1;
                    int slot = (int) HostName.hash64(arena, ref + HEADER, arena[ref] & 0xff) & mask;
                    while (slots[slot] != 0) {
                        slot = (slot + 1) & mask;
                    }
                    slots[slot] = entry;
                }
            }
        }

        public HostIndex build() {
            if (bucketSizes != null) {
                throw new IllegalStateException("an appending builder: buildAppended");
            }
            return index();
        }

        private HostIndex index() {
            byte[] a = used == arena.length ? arena : Arrays.copyOf(arena, used);
            return new HostIndex(a, slots, size);
        }
    }
}

package io.predictor.core.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The runtime overlay of one kind of name (exact names, or wildcard suffixes): a persistent
 * hash trie (CHAMP: a node holds a bitmap of its entries and a bitmap of its children, 32 ways,
 * five bits of the name's hash a level). Adding or replacing an entry copies only the nodes on
 * its path — O(log32 n), a few hundred bytes — and shares everything else with the previous
 * version, so a snapshot with 10,000 pending overrides is derived from the previous one in
 * microseconds, and every version stays immutable once built: nothing is ever written into a
 * node that another version can reach.
 *
 * <p>The trie is keyed by {@link HostName#hash}; two names with the same 32-bit hash end in a
 * collision node (a plain array, compared by name) below the seventh level. A null root is the
 * empty overlay.
 */
final class Overlay {

    private static final Entry[] NO_ENTRIES = new Entry[0];
    private static final Node[] NO_NODES = new Node[0];

    private Overlay() {
    }

    /** One runtime entry: what a site override says, plus the base entry it shadows. */
    static final class Entry {
        final int hash;
        final byte[] name;
        /** State code, or {@link SiteSet#DELETED}. */
        final byte state;
        final int group;
        final long revision;
        /** State code of the base entry of the same name, or {@link SiteSet#DELETED} when the base has none. */
        final byte baseState;
        final int baseGroup;

        Entry(int hash, byte[] name, byte state, int group, long revision, byte baseState, int baseGroup) {
            this.hash = hash;
            this.name = name;
            this.state = state;
            this.group = group;
            this.revision = revision;
            this.baseState = baseState;
            this.baseGroup = baseGroup;
        }

        boolean matches(byte[] b, int off, int len) {
            return name.length == len && Arrays.equals(name, 0, len, b, off, off + len);
        }

        String name() {
            return new String(name, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * A trie node. {@code entries} are ordered by their bit in {@code dataMap}, {@code nodes}
     * by theirs in {@code nodeMap}; below the last level both maps are 0 and {@code entries}
     * holds names whose hashes are equal.
     */
    static final class Node {
        final int dataMap;
        final int nodeMap;
        final Entry[] entries;
        final Node[] nodes;

        Node(int dataMap, int nodeMap, Entry[] entries, Node[] nodes) {
            this.dataMap = dataMap;
            this.nodeMap = nodeMap;
            this.entries = entries;
            this.nodes = nodes;
        }
    }

    private static int bit(int hash, int shift) {
        return 1 << ((hash >>> shift) & 31);
    }

    private static int index(int map, int bit) {
        return Integer.bitCount(map & (bit - 1));
    }

    /** The entry of {@code b[off, off+len)} (whose {@link HostName#hash} is {@code hash}), or null. Allocates nothing. */
    static Entry find(Node root, int hash, byte[] b, int off, int len) {
        Node n = root;
        int shift = 0;
        while (n != null) {
            if (shift >= 32) {
                for (Entry e : n.entries) {
                    if (e.matches(b, off, len)) {
                        return e;
                    }
                }
                return null;
            }
            int bit = bit(hash, shift);
            if ((n.dataMap & bit) != 0) {
                Entry e = n.entries[index(n.dataMap, bit)];
                return e.hash == hash && e.matches(b, off, len) ? e : null;
            }
            if ((n.nodeMap & bit) == 0) {
                return null;
            }
            n = n.nodes[index(n.nodeMap, bit)];
            shift += 5;
        }
        return null;
    }

    /** A new root holding {@code e} in place of any entry of the same name; {@code root} is left as it was. */
    static Node put(Node root, Entry e) {
        return put(root, e, 0);
    }

    private static Node put(Node n, Entry e, int shift) {
        if (n == null) {
            return shift >= 32 ? new Node(0, 0, new Entry[] {e}, NO_NODES)
                    : new Node(bit(e.hash, shift), 0, new Entry[] {e}, NO_NODES);
        }
        if (shift >= 32) {
            Entry[] es = n.entries;
            for (int i = 0; i < es.length; i++) {
                if (es[i].matches(e.name, 0, e.name.length)) {
                    Entry[] copy = es.clone();
                    copy[i] = e;
                    return new Node(0, 0, copy, NO_NODES);
                }
            }
            Entry[] copy = Arrays.copyOf(es, es.length + 1);
            copy[es.length] = e;
            return new Node(0, 0, copy, NO_NODES);
        }
        int bit = bit(e.hash, shift);
        if ((n.dataMap & bit) != 0) {
            int i = index(n.dataMap, bit);
            Entry old = n.entries[i];
            if (old.hash == e.hash && old.matches(e.name, 0, e.name.length)) {
                Entry[] copy = n.entries.clone();
                copy[i] = e;
                return new Node(n.dataMap, n.nodeMap, copy, n.nodes);
            }
            // the two entries move one level down, into a new child
            Node child = pair(old, e, shift + 5);
            Entry[] entries = new Entry[n.entries.length - 1];
            System.arraycopy(n.entries, 0, entries, 0, i);
            System.arraycopy(n.entries, i + 1, entries, i, entries.length - i);
            int j = index(n.nodeMap, bit);
            Node[] nodes = new Node[n.nodes.length + 1];
            System.arraycopy(n.nodes, 0, nodes, 0, j);
            nodes[j] = child;
            System.arraycopy(n.nodes, j, nodes, j + 1, n.nodes.length - j);
            return new Node(n.dataMap & ~bit, n.nodeMap | bit, entries, nodes);
        }
        if ((n.nodeMap & bit) != 0) {
            int j = index(n.nodeMap, bit);
            Node[] nodes = n.nodes.clone();
            nodes[j] = put(n.nodes[j], e, shift + 5);
            return new Node(n.dataMap, n.nodeMap, n.entries, nodes);
        }
        int i = index(n.dataMap, bit);
        Entry[] entries = new Entry[n.entries.length + 1];
        System.arraycopy(n.entries, 0, entries, 0, i);
        entries[i] = e;
        System.arraycopy(n.entries, i, entries, i + 1, n.entries.length - i);
        return new Node(n.dataMap | bit, n.nodeMap, entries, n.nodes);
    }

    private static Node pair(Entry a, Entry b, int shift) {
        if (shift >= 32) {
            return new Node(0, 0, new Entry[] {a, b}, NO_NODES);
        }
        int pa = (a.hash >>> shift) & 31;
        int pb = (b.hash >>> shift) & 31;
        if (pa == pb) {
            return new Node(0, 1 << pa, NO_ENTRIES, new Node[] {pair(a, b, shift + 5)});
        }
        return new Node((1 << pa) | (1 << pb), 0, pa < pb ? new Entry[] {a, b} : new Entry[] {b, a}, NO_NODES);
    }

    /** Every entry, in no particular order (control plane). */
    static void forEach(Node n, Consumer<Entry> action) {
        if (n == null) {
            return;
        }
        for (Entry e : n.entries) {
            action.accept(e);
        }
        for (Node c : n.nodes) {
            forEach(c, action);
        }
    }
}

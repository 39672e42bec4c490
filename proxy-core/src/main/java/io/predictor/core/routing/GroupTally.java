package io.predictor.core.routing;

import java.util.Arrays;

/**
 * Sites per group by effective state, kept up to date change by change, so that the admin
 * answer to a group flip ({@link RoutingSnapshot#groupCountsByState}) is O(1) however many
 * overrides are pending. Persistent like the overlay: rows of counters in chunks of 64 rows; an
 * edit copies the array of chunk references and only the chunks it changes.
 *
 * <p>Row 0 is the sites without a group, row {@code id + 1} the group {@code id}. Columns:
 * <ul>
 * <li>{@link #BASE} + state: the group's base sites not shadowed by an overlay entry, by base
 *     state (a group override, newer than every base entry, decides them all);
 * <li>{@link #NEWER} + state: overlay entries of the group at least as new as the group's
 *     override (all of them when it has none), by their own state;
 * <li>{@link #OLDER}: overlay entries older than the group's override, which take its state.
 * </ul>
 * This split is exact because changes are applied in revision order: a group override is newer
 * than every entry already there, and an entry added later is at least as new as every group
 * override ({@link RoutingSnapshot#with(GroupOverride)}).
 */
final class GroupTally {

    static final int BASE = 0;
    static final int NEWER = 4;
    static final int OLDER = 8;
    static final int WIDTH = 9;
    private static final int ROWS_PER_CHUNK = 64;
    private static final int CHUNK = ROWS_PER_CHUNK * WIDTH;

    private final int[][] chunks;
    private final int rows;

    private GroupTally(int[][] chunks, int rows) {
        this.chunks = chunks;
        this.rows = rows;
    }

    /** The base table's counts: row 0 from its no-group row, row {@code g + 1} from group {@code g}. */
    static GroupTally ofBase(int[] countsByGroupAndState, int groups) {
        int rows = groups + 1;
        int[][] chunks = new int[(rows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK][CHUNK];
        for (int row = 0; row < rows; row++) {
            int from = (row == 0 ? groups : row - 1) * 4;
            System.arraycopy(countsByGroupAndState, from, chunks[row / ROWS_PER_CHUNK],
                    (row % ROWS_PER_CHUNK) * WIDTH + BASE, 4);
        }
        return new GroupTally(chunks, rows);
    }

    int rows() {
        return rows;
    }

    int get(int row, int col) {
        return row >= rows ? 0 : chunks[row / ROWS_PER_CHUNK][(row % ROWS_PER_CHUNK) * WIDTH + col];
    }

    Editor edit() {
        return new Editor(this);
    }

    /** Writer-side: copies a chunk the first time it changes it; {@link #build} ends the edit. */
    static final class Editor {
        private int[][] chunks;
        private boolean[] owned;
        private int rows;

        private Editor(GroupTally from) {
            this.chunks = from.chunks.clone();
            this.owned = new boolean[chunks.length];
            this.rows = from.rows;
        }

        int get(int row, int col) {
            return row >= rows ? 0 : chunks[row / ROWS_PER_CHUNK][(row % ROWS_PER_CHUNK) * WIDTH + col];
        }

        void add(int row, int col, int delta) {
            if (row >= rows) {
                grow(row + 1);
            }
            int c = row / ROWS_PER_CHUNK;
            if (!owned[c]) {
                chunks[c] = chunks[c].clone();
                owned[c] = true;
            }
            chunks[c][(row % ROWS_PER_CHUNK) * WIDTH + col] += delta;
        }

        private void grow(int newRows) {
            int need = (newRows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
            if (need > chunks.length) {
                int old = chunks.length;
                chunks = Arrays.copyOf(chunks, need);
                owned = Arrays.copyOf(owned, need);
                for (int c = old; c < need; c++) {
                    chunks[c] = new int[CHUNK];
                    owned[c] = true;
                }
            }
            rows = newRows;
        }

        GroupTally build() {
            GroupTally t = new GroupTally(chunks, rows);
            chunks = null; // no write may reach a published chunk
            return t;
        }
    }
}

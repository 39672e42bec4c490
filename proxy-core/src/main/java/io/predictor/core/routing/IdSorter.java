package io.predictor.core.routing;

/** Sorts an array of name ids by name without boxing (a plain quicksort with insertion-sort leaves). */
final class IdSorter {

    private IdSorter() {
    }

    static void sort(int[] ids, HostIndex index) {
        sort(ids, 0, ids.length - 1, index);
    }

    private static void sort(int[] a, int lo, int hi, HostIndex index) {
        while (hi - lo > 16) {
            int mid = (lo + hi) >>> 1;
            // median of three as pivot
            if (index.compare(a[mid], index, a[lo]) < 0) {
                swap(a, lo, mid);
            }
            if (index.compare(a[hi], index, a[lo]) < 0) {
                swap(a, lo, hi);
            }
            if (index.compare(a[hi], index, a[mid]) < 0) {
                swap(a, mid, hi);
            }
            int pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (index.compare(a[i], index, pivot) < 0) {
                    i++;
                }
                while (index.compare(a[j], index, pivot) > 0) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i++, j--);
                }
            }
            // recurse into the smaller half, loop on the larger
            if (j - lo < hi - i) {
                sort(a, lo, j, index);
                lo = i;
            } else {
                sort(a, i, hi, index);
                hi = j;
            }
        }
        for (int i = lo + 1; i <= hi; i++) {
            int v = a[i];
            int j = i - 1;
            while (j >= lo && index.compare(a[j], index, v) > 0) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

package io.predictor.core.http;

/**
 * The message heads of one event loop, lent out for as long as a message head is in use — a
 * client connection's request from its parse to the end of its exchange, an origin
 * connection's response head while it is parsed and relayed — and taken back after. An idle
 * kept-alive connection holds none.
 *
 * <p>Why: a head is {@code limits.max_header_size} bytes plus seven arrays of
 * {@code limits.max_headers} entries, about 18.5 KB at the defaults. Held by every connection
 * for its whole life, 5,000 idle keep-alive connections took ~110 MB of heap, which with the
 * 3,000,000-site table filled {@code bin/predictor}'s 256 MB and stopped the proxy in full
 * collections; and every new connection left 18.5 KB of garbage (56 % of all allocation under
 * a flood of short connections, by JFR's allocation samples). HAProxy and nginx likewise take a
 * buffer from a pool when a connection has something to hold, not when it opens.
 *
 * <p>Up to {@link #SPARE_BYTES} of returned heads are kept for the next exchange; past that a
 * returned head is left to the collector, so a burst of concurrent exchanges does not pin its
 * peak in the heap. Confined to its event loop's thread: no lock, no atomic.
 */
public final class HeadPool {

    /** Heads kept for reuse per event loop, in bytes (at least {@link #MIN_SPARE} heads). */
    static final int SPARE_BYTES = 4 * 1024 * 1024;
    static final int MIN_SPARE = 8;

    private final int maxHeadSize;
    private final int maxHeaders;
    private final HttpHead[] spare;
    private int count;
    private int lent;
    private long made;

    public HeadPool(int maxHeadSize, int maxHeaders) {
        this.maxHeadSize = maxHeadSize;
        this.maxHeaders = maxHeaders;
        this.spare = new HttpHead[Math.max(MIN_SPARE, SPARE_BYTES / footprint(maxHeadSize, maxHeaders))];
    }

    /** A head to parse into: a returned one when there is one, else a new one. */
    public HttpHead acquire() {
        lent++;
        if (count > 0) {
            HttpHead h = spare[--count];
            spare[count] = null;
            return h;
        }
        made++;
        return new HttpHead(maxHeadSize, maxHeaders);
    }

    /** Takes a head back; the caller must not touch it again. */
    public void release(HttpHead h) {
        lent--;
        if (count < spare.length) {
            spare[count++] = h;
        }
    }

    /** Heads lent and not yet given back: the exchanges that hold one now. */
    public int lent() {
        return lent;
    }

    /** Heads waiting to be lent again. */
    public int spare() {
        return count;
    }

    /** Heads made since start (a pool that serves well makes few). */
    public long made() {
        return made;
    }

    /** The most heads kept for reuse. */
    public int capacity() {
        return spare.length;
    }

    /** Heap bytes of one head at most (its byte buffer grown to the largest head, and the per-field arrays). */
    static int footprint(int maxHeadSize, int maxHeaders) {
        return maxHeadSize + maxHeaders * (5 * Integer.BYTES + 2) + 256;
    }
}

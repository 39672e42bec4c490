package io.predictor.admin.log;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.AsciiString;
import io.netty.util.internal.ThreadExecutorMap;
import io.predictor.core.http.ByteText;
import io.predictor.core.routing.Route;
import io.predictor.core.server.ExchangeInfo;
import io.predictor.core.server.ExchangeListener;
import java.io.IOException;
import java.io.OutputStream;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JSON line per request (SPEC §2 "Logs"): time, client, host, method, path, status, route,
 * origin server, bytes in/out, duration, and the table revision that routed it.
 *
 * <p>Each event loop encodes its lines straight into bytes in a buffer of its own (no lock, no
 * hand-off per request) and passes the buffer to the writer thread when it is nearly full or
 * {@link #FLUSH_AFTER_MILLIS} after its first line, whichever comes first — so a line reaches
 * standard output at most that much later. The hand-off queue is bounded: when the writer
 * cannot keep up, whole buffers are dropped and their lines counted ({@link #dropped()}); the
 * data plane never waits for the log.
 *
 * <p>Why: the profile of a keep-alive run under load had about a third of the proxy's CPU in
 * the old per-request path — {@code Instant.toString()}, a {@code StringBuilder} and a
 * {@code String} per line, and an {@code ArrayBlockingQueue} offer that woke the writer thread
 * (a futex call and a context switch on the proxy's one core) for nearly every request.
 *
 * <p>A line written from a thread that is not an event loop (tests, tools) is handed off at once.
 */
public final class AccessLog implements ExchangeListener, AutoCloseable {

    /** A line waits at most this long in its event loop's buffer. */
    static final long FLUSH_AFTER_MILLIS = 100;
    /**
     * An event loop's buffer. Each hand-off wakes the writer thread on the loop's core: with 64 KiB
     * buffers (~130 hand-offs a second at 25,000 requests a second) the fixed-rate benchmark's
     * p99.9 was higher with the log than without it in 8 of 9 paired rounds; with 256 KiB in 2
     * of 5 (benchmarks/README.md, "The access log and the fixed rate's tail").
     */
    static final int BUFFER_SIZE = 256 * 1024;
    /** A buffer is handed off once it holds this much: the longest line still fits after it. */
    static final int HAND_OFF_AT = BUFFER_SIZE - 16 * 1024;
    /** Buffers waiting for the writer: 16 MiB at most. */
    static final int QUEUE_CAPACITY = 64;
    /** Written buffers kept for reuse: 1 MiB at most. */
    static final int SPARE_BUFFERS = 4;

    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    /**
     * Written buffers, returned for reuse: at most {@link #SPARE_BUFFERS}. A backlog once let the
     * queue fill (16 MiB); kept for reuse after it, those buffers would stay in the old generation
     * for good, beside the sites table.
     */
    private final BlockingQueue<byte[]> spare = new ArrayBlockingQueue<>(SPARE_BUFFERS);
    /** Every event loop's buffer, to be written out at {@link #close()}. */
    private final Queue<LineBuffer> buffers = new ConcurrentLinkedQueue<>();
    private final FastThreadLocal<LineBuffer> local = new FastThreadLocal<>() {
        @Override
        protected LineBuffer initialValue() {
            LineBuffer b = new LineBuffer(ThreadExecutorMap.currentExecutor());
            buffers.add(b);
            return b;
        }
    };
    /** How long {@link #close()} waits for the writer to write what is queued. */
    static final long CLOSE_WAIT_MILLIS = 10_000;
    /** After a failed write, the writer waits this long before the next one. */
    static final long RETRY_AFTER_FAILURE_MILLIS = 100;

    private final AtomicLong dropped = new AtomicLong();
    private final OutputStream out;
    /** Held for each write to {@link #out}: see {@link #AccessLog(OutputStream, Object, EventLog)}. */
    private final Object lock;
    private final EventLog events;
    private final Thread writer;
    private volatile boolean closed;
    /** The writer's: the last write failed (reported once a streak). */
    private boolean failing;

    /** Writes to {@code out}; trouble with writing is reported to {@code events}. */
    public AccessLog(OutputStream out, EventLog events) {
        this(out, new Object(), events);
    }

    /**
     * Writes to {@code out}, holding {@code lock} for each buffer of whole lines. Standard output
     * has two writers: this one and the event log ({@link JsonLinesLog}, which writes each line
     * holding its {@code PrintStream}). A pipe or socket takes a 256 KiB write in parts when its
     * reader is slow, and an event line written meanwhile landed inside an access line, breaking
     * both (found by review): with the event log's stream as {@code lock}, they take turns.
     */
    public AccessLog(OutputStream out, Object lock, EventLog events) {
        this.out = out;
        this.lock = lock;
        this.events = events;
        this.writer = new Thread(this::drain, "predictor-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Written buffers waiting to be reused. */
    int spareBuffers() {
        return spare.size();
    }

    /** Lines dropped because the writer could not keep up. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void started(ExchangeInfo exchange) {
    }

    @Override
    public void completed(ExchangeInfo e, long endNanos) {
        LineBuffer b = local.get();
        b.line(e, endNanos, System.currentTimeMillis());
        if (b.executor == null || b.length >= HAND_OFF_AT) {
            handOff(b);
        } else if (b.lines == 1) {
            try {
                b.executor.schedule(b.flush, FLUSH_AFTER_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                handOff(b); // the loop is stopping: no later flush will run on it
            }
        }
    }

    /** Passes a buffer's lines to the writer thread and gives the buffer a fresh array. */
    private void handOff(LineBuffer b) {
        if (b.lines == 0) {
            return;
        }
        if (!queue.offer(new Chunk(b.bytes, b.length, b.lines))) {
            dropped.addAndGet(b.lines);
            b.reset(b.bytes);
            return;
        }
        byte[] next = spare.poll();
        b.reset(next != null ? next : new byte[BUFFER_SIZE]);
    }

    private void drain() {
        try {
            while (!closed || !queue.isEmpty()) {
                Chunk c = queue.poll(200, TimeUnit.MILLISECONDS);
                if (c == null) {
                    continue;
                }
                do {
                    write(c);
                    if (c.bytes.length == BUFFER_SIZE) {
                        spare.offer(c.bytes); // dropped when SPARE_BUFFERS are kept; a long line's own array never
                    }
                } while ((c = queue.poll()) != null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes one buffer. A failed write (EAGAIN, a moment of ENOSPC, a log pipe restarted) drops
     * that buffer's lines, counted, and the writer goes on: before (found by review), it ended,
     * and every later line was lost without being counted.
     */
    private void write(Chunk c) throws InterruptedException {
        try {
            synchronized (lock) {
                out.write(c.bytes, 0, c.length);
                out.flush();
            }
            if (failing) {
                failing = false;
                events.event(EventLog.Level.INFO, "access_log_writing_again", Map.of());
            }
        } catch (IOException e) {
            dropped.addAndGet(c.lines);
            if (!failing) {
                failing = true;
                events.event(EventLog.Level.ERROR, "access_log_failed", Map.of("error", e.toString(),
                        "detail", "access log lines are dropped, counted in predictor_access_log_dropped_total,"
                                + " until a write succeeds"));
            }
            Thread.sleep(RETRY_AFTER_FAILURE_MILLIS);
        }
    }

    /**
     * Writes out what is buffered and stops the writer. Call it after the event loops have
     * stopped (the program closes the data plane first): their buffers are read from here.
     */
    @Override
    public void close() throws InterruptedException {
        close(CLOSE_WAIT_MILLIS);
    }

    /**
     * {@link #close()}, waiting at most {@code waitMillis} for the writer: what it has not written
     * by then is counted as dropped and reported, not lost unseen with the JVM (found by review:
     * a 2 s wait lost the end of a backlog to a slow standard output at every restart).
     */
    void close(long waitMillis) throws InterruptedException {
        for (LineBuffer b : buffers) {
            handOff(b);
        }
        closed = true;
        writer.join(waitMillis);
        if (writer.isAlive()) {
            long lost = 0;
            for (Chunk c; (c = queue.poll()) != null; ) {
                lost += c.lines;
            }
            dropped.addAndGet(lost);
            events.event(EventLog.Level.WARN, "access_log_lines_lost", Map.of("lines", lost, "detail",
                    "standard output did not take the access log's backlog within " + waitMillis + " ms of the stop"));
        }
    }

    private record Chunk(byte[] bytes, int length, int lines) {
    }

    /** One event loop's lines not yet handed off. Used only by its own thread. */
    private final class LineBuffer {
        final EventExecutor executor;
        final Runnable flush = () -> handOff(this);
        final JsonLineWriter w = new JsonLineWriter();
        byte[] bytes = new byte[BUFFER_SIZE];
        int length;
        int lines;

        LineBuffer(EventExecutor executor) {
            this.executor = executor;
        }

        void reset(byte[] next) {
            bytes = next;
            length = 0;
            lines = 0;
        }

        void line(ExchangeInfo e, long endNanos, long nowMillis) {
            JsonLineWriter w = this.w;
            w.start(bytes, length);
            w.raw("{\"time\":\"").time(nowMillis).raw("\",\"log\":\"access\"");
            w.field("listener", e.listener());
            w.field("client", e.clientAddress());
            w.field("host", e.hostText());
            w.field("method", e.methodText());
            w.target(e.targetText());
            w.raw(",\"status\":").number(e.status());
            Route route = e.route();
            w.field("route", route == null ? "error" : route.wireName());
            if (e.failure() != null) {
                w.field("error", e.failure().kind());
            }
            w.field("upstream", e.originServer());
            w.raw(",\"bytes_in\":").number(e.bytesIn());
            w.raw(",\"bytes_out\":").number(e.bytesOut());
            w.raw(",\"duration_ms\":").millis(Math.max(0, endNanos - e.startNanos()));
            w.raw(",\"revision\":").number(e.revision());
            w.raw("}\n");
            if (w.overflowed()) {
                // a line longer than the room left (a huge path): handed off alone, as a String
                handOff(this);
                byte[] big = w.grown();
                if (!queue.offer(new Chunk(big, w.length(), 1))) {
                    dropped.incrementAndGet();
                }
                return;
            }
            bytes = w.buffer();
            length = w.length();
            lines++;
        }
    }

    /**
     * Encodes one JSON line into a byte array, growing a copy only when a line does not fit.
     * Strings are escaped as {@code Json.quote} does: {@code \"}, {@code \\}, {@code \n},
     * {@code \r}, {@code \t}, and {@code \}{@code uXXXX} for every other character outside
     * printable ASCII, so the line is pure ASCII.
     */
    static final class JsonLineWriter {
        private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private byte[] buf;
        private int pos;
        private int start;
        private boolean overflowed;
        /** The epoch second whose "yyyy-MM-ddTHH:mm:ss." is cached in {@link #secondText}. */
        private long cachedSecond = Long.MIN_VALUE;
        private final byte[] secondText = new byte[20];

        void start(byte[] target, int offset) {
            buf = target;
            pos = offset;
            start = offset;
            overflowed = false;
        }

        byte[] buffer() {
            return buf;
        }

        int length() {
            return pos;
        }

        boolean overflowed() {
            return overflowed;
        }

        /** The line alone, in its own array (after an overflow). */
        byte[] grown() {
            byte[] line = java.util.Arrays.copyOfRange(buf, start, pos);
            pos = line.length;
            return line;
        }

        private void room(int n) {
            if (pos + n > buf.length) {
                if (!overflowed) {
                    // move this line to a private, larger array; the shared buffer keeps what it had
                    byte[] copy = new byte[Math.max(buf.length, (pos - start + n) * 2)];
                    System.arraycopy(buf, start, copy, 0, pos - start);
                    pos -= start;
                    start = 0;
                    buf = copy;
                    overflowed = true;
                } else {
                    buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
                }
            }
        }

        /** Copies a string known to be ASCII (literals, field names, digits). */
        private static void copyAscii(String s, byte[] to, int at) {
            for (int i = 0, n = s.length(); i < n; i++) {
                to[at + i] = (byte) s.charAt(i);
            }
        }

        JsonLineWriter raw(String ascii) {
            int n = ascii.length();
            room(n);
            copyAscii(ascii, buf, pos);
            pos += n;
            return this;
        }

        JsonLineWriter field(String name, CharSequence value) {
            room(name.length() + 4);
            buf[pos++] = ',';
            buf[pos++] = '"';
            copyAscii(name, buf, pos);
            pos += name.length();
            buf[pos++] = '"';
            buf[pos++] = ':';
            if (value == null) {
                return raw("null");
            }
            return quote(value);
        }

        /**
         * A quoted, escaped string. The request's texts (host, method, path) come as bytes — a
         * {@link ByteText} from HTTP/1, an {@link AsciiString} from HTTP/2 — and are read as
         * bytes: through {@code CharSequence.charAt} each character was an interface call whose
         * receiver changes from field to field (the h2 profile had the quoting at 1.5 %).
         */
        JsonLineWriter quote(CharSequence s) {
            if (s instanceof ByteText t) {
                return quoteLatin1(t.array(), t.offset(), t.length());
            }
            if (s instanceof AsciiString a) {
                return quoteLatin1(a.array(), a.arrayOffset(), a.length());
            }
            int n = s.length();
            room(n * 6 + 2);
            byte[] b = buf;
            int p = pos;
            b[p++] = '"';
            for (int i = 0; i < n; i++) {
                p = put(b, p, s.charAt(i));
            }
            b[p++] = '"';
            pos = p;
            return this;
        }

        /**
         * The {@code path} field: the request target as sent, but for credentials in it, which
         * are never logged (found by review): an absolute-form target's userinfo
         * ({@code http://user:password@host/}, RFC 9110 §4.2.4) is left out, and the value of an
         * {@code access_token} query parameter (a bearer token, RFC 6750 §2.3) is written
         * {@code REDACTED}. Allocates nothing for the bytes the data plane hands in.
         */
        JsonLineWriter target(CharSequence s) {
            raw(",\"path\":");
            if (s == null) {
                return raw("null");
            }
            if (s instanceof ByteText t) {
                return quoteTarget(t.array(), t.offset(), t.length());
            }
            if (s instanceof AsciiString a) {
                return quoteTarget(a.array(), a.arrayOffset(), a.length());
            }
            byte[] b = s.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            return quoteTarget(b, 0, b.length);
        }

        private static final byte[] ACCESS_TOKEN = "access_token=".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private static final String REDACTED = "REDACTED";

        private JsonLineWriter quoteTarget(byte[] text, int from, int n) {
            int end = from + n;
            int userinfoFrom = -1;
            int userinfoTo = -1;
            if (n > 0 && text[from] != '/') {
                int sep = indexOf(text, from, end, (byte) ':');
                if (sep >= 0 && sep + 2 < end && text[sep + 1] == '/' && text[sep + 2] == '/') {
                    int authority = sep + 3;
                    for (int i = authority; i < end && text[i] != '/' && text[i] != '?' && text[i] != '#'; i++) {
                        if (text[i] == '@') {
                            userinfoFrom = authority;
                            userinfoTo = i + 1;
                        }
                    }
                }
            }
            room(n * 6 + 2);
            byte[] b = buf;
            int p = pos;
            b[p++] = '"';
            boolean query = false;
            for (int i = from; i < end; i++) {
                if (i == userinfoFrom) {
                    i = userinfoTo - 1;
                    continue;
                }
                byte c = text[i];
                if (c == '#') {
                    query = false;
                } else if (c == '?' && !query) {
                    query = true;
                } else if (query && (text[i - 1] == '?' || text[i - 1] == '&') && startsWithIgnoreCase(text, i, end,
                        ACCESS_TOKEN)) {
                    for (int k = 0; k < ACCESS_TOKEN.length; k++) {
                        p = put(b, p, (char) (text[i + k] & 0xff));
                    }
                    copyAscii(REDACTED, b, p);
                    p += REDACTED.length();
                    i += ACCESS_TOKEN.length;
                    while (i < end && text[i] != '&' && text[i] != '#') {
                        i++;
                    }
                    i--;
                    continue;
                }
                p = put(b, p, (char) (c & 0xff));
            }
            b[p++] = '"';
            pos = p;
            return this;
        }

        private static int indexOf(byte[] text, int from, int end, byte c) {
            for (int i = from; i < end; i++) {
                if (text[i] == c) {
                    return i;
                }
                if (text[i] == '/' || text[i] == '?') {
                    return -1; // a scheme comes before any of these
                }
            }
            return -1;
        }

        private static boolean startsWithIgnoreCase(byte[] text, int at, int end, byte[] lower) {
            if (end - at < lower.length) {
                return false;
            }
            for (int k = 0; k < lower.length; k++) {
                byte c = text[at + k];
                if (c != lower[k] && (c | 0x20) != lower[k]) {
                    return false;
                }
            }
            return true;
        }

        /** {@link #quote} of the ISO-8859-1 text {@code text[from, from + n)}. */
        private JsonLineWriter quoteLatin1(byte[] text, int from, int n) {
            room(n * 6 + 2);
            byte[] b = buf;
            int p = pos;
            b[p++] = '"';
            for (int i = from, end = from + n; i < end; i++) {
                p = put(b, p, (char) (text[i] & 0xff));
            }
            b[p++] = '"';
            pos = p;
            return this;
        }

        /** Writes {@code c} at {@code b[p]}, escaped as JSON in ASCII; returns the position after it. */
        private static int put(byte[] b, int p, char c) {
            if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') {
                b[p] = (byte) c;
                return p + 1;
            }
            b[p++] = '\\';
            switch (c) {
                case '"' -> b[p++] = '"';
                case '\\' -> b[p++] = '\\';
                case '\n' -> b[p++] = 'n';
                case '\r' -> b[p++] = 'r';
                case '\t' -> b[p++] = 't';
                default -> {
                    b[p++] = 'u';
                    b[p++] = HEX[(c >> 12) & 0xf];
                    b[p++] = HEX[(c >> 8) & 0xf];
                    b[p++] = HEX[(c >> 4) & 0xf];
                    b[p++] = HEX[c & 0xf];
                }
            }
            return p;
        }

        JsonLineWriter number(long v) {
            room(20);
            if (v < 0) {
                buf[pos++] = '-';
                if (v == Long.MIN_VALUE) {
                    return raw("9223372036854775808");
                }
                v = -v;
            }
            int digits = 1;
            for (long t = v; t >= 10; t /= 10) {
                digits++;
            }
            int end = pos + digits;
            for (int p = end - 1; p >= pos; p--) {
                buf[p] = (byte) ('0' + v % 10);
                v /= 10;
            }
            pos = end;
            return this;
        }

        /** Nanoseconds as milliseconds with three decimals ({@code 1.234}), trailing zeros dropped. */
        JsonLineWriter millis(long nanos) {
            long micros = nanos / 1000;
            number(micros / 1000);
            int frac = (int) (micros % 1000);
            if (frac == 0) {
                return raw(".0");
            }
            room(4);
            buf[pos++] = '.';
            int d = 100;
            while (frac > 0) {
                buf[pos++] = (byte) ('0' + frac / d);
                frac %= d;
                d /= 10;
            }
            return this;
        }

        /** UTC time in ISO 8601 with milliseconds: {@code 2026-12-04T14:34:40.123Z}. */
        JsonLineWriter time(long epochMillis) {
            long second = Math.floorDiv(epochMillis, 1000);
            if (second != cachedSecond) {
                cachedSecond = second;
                LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
                String text = String.format(java.util.Locale.ROOT, "%04d-%02d-%02dT%02d:%02d:%02d.",
                        t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond());
                copyAscii(text, secondText, 0);
            }
            room(24);
            System.arraycopy(secondText, 0, buf, pos, 20);
            pos += 20;
            int ms = Math.floorMod(epochMillis, 1000);
            buf[pos++] = (byte) ('0' + ms / 100);
            buf[pos++] = (byte) ('0' + ms / 10 % 10);
            buf[pos++] = (byte) ('0' + ms % 10);
            buf[pos++] = 'Z';
            return this;
        }
    }
}

package io.predictor.admin.jvm;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.predictor.admin.log.EventLog;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Keeps a heap filled by idle connections from hanging the proxy.
 *
 * <p>Each open client connection holds some heap (about 3 KB over HTTP/1, 9 KB over HTTP/2),
 * anybody can open them, and {@code limits.max_connections} (50,000 by default) counts them, not
 * their bytes. With 3,000,000 sites in {@code bin/predictor}'s 256 MB heap, some 20,000 idle
 * connections fill the old generation. The JVM then throws no {@code OutOfMemoryError}: it runs one
 * full collection after another, each freeing a little, and serves nothing. {@code jcmd} cannot
 * attach, and SIGTERM does not end it.
 *
 * <p>So after every collection of the old generation the guard checks how full it still is.
 * What is left then is live data. At {@value #THRESHOLD_PERCENT} % or more, every client
 * connection with no exchange in flight is closed ({@code ProxyServer#closeIdleConnections}).
 * That is what {@code timeouts.request_headers} and {@code timeouts.idle} would do later, and a
 * client with a request opens a new connection. This happens at most once a second, with a
 * {@code heap_pressure} event each time. Exchanges in flight (a request parked in {@code hold}
 * among them) are never touched.
 *
 * <p>For {@value #HOLD_REFUSAL_SECONDS} s after that collection, or until an earlier one leaves
 * the old generation under the threshold (live data can only be less than what a collection
 * leaves), no new request is parked in {@code hold}: it is answered at once as if its hold had
 * timed out ({@code ProxyServer#refuseHoldsUntil}). A parked request keeps its connection and its
 * message head for up to {@code timeouts.hold}, and up to 10,000 may wait on each event loop:
 * beside 3M sites that is more than the heap has left. The refusal ends by the clock, not by a
 * full collection, because after the closes the old generation stays full of garbage until the
 * next one, which may not come for hours; if the pressure is still there, the next full
 * collection starts a new refusal.
 *
 * <p>A reload that reads the sites file whole builds its table beside the one in service, and
 * for 3M sites that peaks at about 65 % of {@code bin/predictor}'s old generation. While a
 * reload reads, pressure is reported but no connection is closed. That heap comes back when the
 * read ends, whether the new table is taken or refused for want of heap (503
 * {@code insufficient_heap}).
 *
 * <p>Runs on the JVM's notification thread, never on an event loop.
 */
public final class HeapGuard implements NotificationListener, AutoCloseable {

    /** The share of the old generation still in use after its collection at which idle connections are closed. */
    public static final int THRESHOLD_PERCENT = 90;
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long new holds are refused after a collection over the threshold. */
    public static final int HOLD_REFUSAL_SECONDS = 10;
    static final long HOLD_REFUSAL_NANOS = TimeUnit.SECONDS.toNanos(HOLD_REFUSAL_SECONDS);

    private final Supplier<CompletableFuture<Integer>> closeIdle;
    private final LongConsumer refuseHoldsUntil;
    private final BooleanSupplier reloading;
    private final EventLog log;
    private final String pool;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final AtomicLong pressure = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();
    private long lastClose;
    private boolean closedOnce;
    /** New holds are refused until this {@code System.nanoTime()}, if {@link #refusing}. */
    private volatile long refusedUntil;
    private volatile boolean refusing;

    HeapGuard(Supplier<CompletableFuture<Integer>> closeIdle, LongConsumer refuseHoldsUntil, BooleanSupplier reloading,
            EventLog log, String pool) {
        this.closeIdle = closeIdle;
        this.refuseHoldsUntil = refuseHoldsUntil;
        this.reloading = reloading;
        this.log = log;
        this.pool = pool;
    }

    /**
     * Starts watching this JVM's collections.
     *
     * @param closeIdle closes the idle client connections, completing with how many
     * @param refuseHoldsUntil told the {@code System.nanoTime()} until which new requests for
     *     sites in hold must not be parked (a time already past: they may be again)
     * @param reloading whether a reload is reading the sites file (then nothing is closed)
     * @return the guard, or null when this JVM's heap has no pool the guard can watch (then a
     *     {@code heap_guard_off} event says so)
     */
    public static HeapGuard start(Supplier<CompletableFuture<Integer>> closeIdle, LongConsumer refuseHoldsUntil,
            BooleanSupplier reloading, EventLog log) {
        String pool = oldGenerationPool(ManagementFactory.getMemoryPoolMXBeans());
        if (pool == null) {
            log.event(EventLog.Level.WARN, "heap_guard_off", Map.of("reason",
                    "no old-generation memory pool in this JVM's heap; idle connections are not closed when it fills"));
            return null;
        }
        HeapGuard guard = new HeapGuard(closeIdle, refuseHoldsUntil, reloading, log, pool);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter && List.of(gc.getMemoryPoolNames()).contains(pool)) {
                emitter.addNotificationListener(guard, null, null);
                guard.emitters.add(emitter);
            }
        }
        return guard;
    }

    /**
     * The pool a heap's long-lived data ends up in: Serial's "Tenured Gen", G1's "G1 Old Gen",
     * Parallel's "PS Old Gen"; a heap of one pool (ZGC's "ZHeap") is that pool.
     */
    static String oldGenerationPool(List<MemoryPoolMXBean> pools) {
        List<String> heap = new ArrayList<>();
        for (MemoryPoolMXBean p : pools) {
            if (p.getType() == MemoryType.HEAP) {
                heap.add(p.getName());
            }
        }
        for (String name : heap) {
            if (name.contains("Old") || name.contains("Tenured")) {
                return name;
            }
        }
        return heap.size() == 1 ? heap.get(0) : null;
    }

    @Override
    public void handleNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        MemoryUsage after = info.getGcInfo().getMemoryUsageAfterGc().get(pool);
        if (after == null) {
            return;
        }
        long max = after.getMax() > 0 ? after.getMax() : after.getCommitted();
        long now = System.nanoTime();
        // a young collection promotes into the old generation and frees nothing there: what it
        // leaves is not live data; Serial, Parallel and G1 say "end of major GC" for a full one,
        // ZGC and Shenandoah "end of GC cycle" for each of theirs
        String action = info.getGcAction();
        if (action.contains("major") || action.contains("cycle")) {
            collected(info.getGcName(), after.getUsed(), max, info.getGcInfo().getDuration(), now);
        }
        // but what any collection leaves under the threshold holds less live data than that
        observed(after.getUsed(), max, now);
    }

    /** After a collection of the old generation: {@code used} of its {@code max} bytes are live. */
    void collected(String collector, long used, long max, long pauseMillis, long now) {
        if (max <= 0 || used * 100 < max * THRESHOLD_PERCENT) {
            return;
        }
        pressure.incrementAndGet();
        if (reloading.getAsBoolean()) {
            Map<String, Object> fields = fields(collector, used, max, pauseMillis);
            fields.put("idle_connections_closed", 0);
            fields.put("reason", "a reload is reading the sites file beside the table in service");
            log.event(EventLog.Level.WARN, "heap_pressure", fields);
            return;
        }
        refusedUntil = now + HOLD_REFUSAL_NANOS;
        refusing = true;
        refuseHoldsUntil.accept(refusedUntil);
        synchronized (this) {
            if (closedOnce && now - lastClose < INTERVAL_NANOS) {
                return; // the connections closed a moment ago are freed by the next collection
            }
            closedOnce = true;
            lastClose = now;
        }
        CompletableFuture<Integer> closing;
        try {
            closing = closeIdle.get();
        } catch (RuntimeException e) {
            closing = CompletableFuture.failedFuture(e);
        }
        closing.whenComplete((n, error) -> {
            Map<String, Object> fields = fields(collector, used, max, pauseMillis);
            if (error != null) {
                fields.put("error", String.valueOf(error));
                log.event(EventLog.Level.ERROR, "heap_pressure", fields);
                return;
            }
            closed.addAndGet(n);
            fields.put("idle_connections_closed", n);
            fields.put("holds_refused_s", HOLD_REFUSAL_SECONDS);
            fields.put("hint", "the heap is nearly full of live data: raise -Xmx, or lower limits.max_connections");
            log.event(EventLog.Level.WARN, "heap_pressure", fields);
        });
    }

    /**
     * After any collection: {@code used} of the old generation's {@code max} bytes are in use,
     * live or not. Under the threshold, the live data is too: holds may be parked again.
     */
    void observed(long used, long max, long now) {
        if (!refusing || max <= 0 || used * 100 >= max * THRESHOLD_PERCENT) {
            return;
        }
        refusing = false;
        refuseHoldsUntil.accept(now);
    }

    /** Whether new requests for sites in hold are refused now (the heap is nearly full of live data). */
    public boolean holdsRefused() {
        return refusing && System.nanoTime() - refusedUntil < 0;
    }

    private static Map<String, Object> fields(String collector, long used, long max, long pauseMillis) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("old_gen_used_mb", mb(used));
        fields.put("old_gen_max_mb", mb(max));
        fields.put("percent", used * 100 / max);
        fields.put("collector", collector);
        fields.put("pause_ms", pauseMillis);
        return fields;
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }

    /** Collections of the old generation that left it at or over the threshold. */
    public long pressureEvents() {
        return pressure.get();
    }

    /** Idle client connections closed for the heap. */
    public long connectionsClosed() {
        return closed.get();
    }

    /** The memory pool watched. */
    public String pool() {
        return pool;
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(this);
            } catch (ListenerNotFoundException ignored) {
                // never added to this one: nothing to remove
            }
        }
        emitters.clear();
    }
}

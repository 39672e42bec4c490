package io.predictor.core.tls;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.netty.handler.ssl.SslContext;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCountUtil;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server contexts of one listener's certificates, built when a handshake first needs one and
 * kept in a bounded cache (Caffeine, least recently and frequently used out first). A context is
 * BoringSSL's {@code SSL_CTX} with the pair, its session cache and its ticket keys: ~0.5–1 ms
 * of CPU to build and ~16–20 KB of native memory to keep. Building every pair at start made a
 * start with 10,000 certificates take 8–9 s on one core and hold them all; here a start only
 * reads and checks the files, and the native memory is bounded by {@code capacity}.
 *
 * <p>Builds run on one daemon thread ({@code predictor-tls-contexts}), never on an event loop: a
 * build reads the pair's files again. Concurrent handshakes for a context being built wait for
 * that one build. After a (re)load, {@link #warm} builds the rest in name order, one at a time, so
 * that a handshake's build waits behind at most one warm-up build.
 *
 * <p>Contexts are reference counted (BoringSSL's engine retains its context): the cache holds one
 * reference and releases it when it drops the context — evicted, or its pair replaced or removed
 * by a reload — and each connection's engine holds one while it lives. {@link #retained} hands a
 * handshake a context with a reference of its own, so an eviction between the lookup and the
 * engine's creation cannot free it.
 */
final class ContextCache implements AutoCloseable {

    /** Builds one certificate's context (reads and checks the pair's files again). */
    interface Builder {
        SslContext build(ServerCertificate certificate) throws Exception;
    }

    private final int capacity;
    private final long closeWaitMillis;
    /** The builder thread; once closed, the tasks it is given (removal notices: releases) run on the caller. */
    private final ExecutorService builderThread;
    private volatile boolean closed;
    private final AsyncLoadingCache<ServerCertificate, SslContext> contexts;
    private final AtomicLong builds = new AtomicLong();
    private final AtomicLong generation = new AtomicLong();
    /**
     * The certificates whose contexts may be built and kept (by identity): those of the table in
     * service, and during a reload those it is about to serve. A handshake that selected its
     * certificate from a table a reload has replaced since gets no context for it: built, it
     * would stay in the cache under a key no reload drops again.
     */
    private volatile Set<ServerCertificate> inService = Set.of();

    ContextCache(int capacity, Builder builder) {
        this(capacity, builder, TimeUnit.SECONDS.toMillis(10));
    }

    /** {@code closeWaitMillis}: how long {@link #close} waits for a build under way. */
    ContextCache(int capacity, Builder builder, long closeWaitMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the context cache must hold at least one context, was " + capacity);
        }
        this.capacity = capacity;
        this.closeWaitMillis = closeWaitMillis;
        // once the pool is shut down (close), a task runs on the caller instead of being refused:
        // a refused removal notice would be lost inside Caffeine's future, and its context never released
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "predictor-tls-contexts");
                    t.setDaemon(true);
                    return t;
                }, (task, refusing) -> task.run());
        this.builderThread = pool;
        this.contexts = Caffeine.newBuilder()
                .maximumSize(capacity)
                .executor(builderThread)
                .removalListener((ServerCertificate c, SslContext context, RemovalCause cause) ->
                        ReferenceCountUtil.release(context))
                .buildAsync((ServerCertificate c) -> {
                    if (closed) {
                        throw new IllegalStateException("the listener's certificates are closed");
                    }
                    if (!inService.contains(c)) {
                        throw new NotInService(c);
                    }
                    builds.incrementAndGet();
                    return builder.build(c);
                });
    }

    /**
     * The certificate's context with a reference for the caller (to be released once its engine
     * exists), or null when it is not built yet.
     */
    SslContext retained(ServerCertificate c) {
        CompletableFuture<SslContext> f = contexts.getIfPresent(c);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        return retainOrNull(f.join());
    }

    /**
     * The certificate's context, built on the builder thread if it is not cached, completed with
     * a reference for the caller (to be released once its engine exists). Fails when the build
     * failed.
     */
    CompletableFuture<SslContext> retainedLater(ServerCertificate c) {
        return contexts.get(c).thenCompose(context -> {
            SslContext retained = retainOrNull(context);
            // released by an eviction between the build and here: build it again
            return retained != null ? CompletableFuture.completedFuture(retained) : retainedLater(c);
        });
    }

    private static SslContext retainOrNull(SslContext context) {
        try {
            return ReferenceCountUtil.retain(context);
        } catch (IllegalReferenceCountException released) {
            return null; // the cache dropped it a moment ago; the caller builds it again
        }
    }

    /**
     * Drops the contexts of certificates no longer in service (their pairs changed or went away),
     * a build under way included: the key set is the async cache's, in-flight entries too, so a
     * context finished after this is handed to those waiting for it and not kept
     * ({@code ContextCacheTest}).
     */
    void retainOnly(Collection<ServerCertificate> inService) {
        Set<ServerCertificate> keep = identitySet(inService, List.of());
        this.inService = keep; // before the removal: no build for a dropped one starts after it
        contexts.synchronous().asMap().keySet().removeIf(c -> !keep.contains(c));
    }

    /**
     * Lets the contexts of {@code certificates} be built as well as those in service: a reload's
     * candidates for the default, built before the reload's table is published.
     */
    void admit(Collection<ServerCertificate> certificates) {
        this.inService = identitySet(inService, certificates);
    }

    /** The certificates of both, by identity (a reload makes a new instance for changed files), unmodifiable. */
    private static Set<ServerCertificate> identitySet(Collection<ServerCertificate> a, Collection<ServerCertificate> b) {
        Set<ServerCertificate> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(a);
        set.addAll(b);
        return Collections.unmodifiableSet(set);
    }

    /** A build asked for a certificate that a reload has taken out of service (replaced or removed). */
    static final class NotInService extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NotInService(ServerCertificate c) {
            super(c.name() + ": replaced or removed by a reload; select the certificate again");
        }
    }

    /**
     * Builds, in the background and one at a time, the contexts of {@code certificates} not built
     * yet, until the cache is full. A later call stops an earlier warm-up.
     */
    void warm(List<ServerCertificate> certificates) {
        long mine = generation.incrementAndGet();
        Iterator<ServerCertificate> it = List.copyOf(certificates).iterator();
        builderThread.execute(() -> warmNext(it, mine));
    }

    private void warmNext(Iterator<ServerCertificate> it, long mine) {
        while (it.hasNext()) {
            if (mine != generation.get() || closed || contexts.synchronous().estimatedSize() >= capacity) {
                return;
            }
            ServerCertificate c = it.next();
            if (c.refusal() != null || contexts.getIfPresent(c) != null) {
                continue;
            }
            // the next step is queued behind whatever handshakes asked for meanwhile
            contexts.get(c).whenCompleteAsync((context, failure) -> warmNext(it, mine), builderThread);
            return;
        }
    }

    /** Contexts built and held. */
    long size() {
        contexts.synchronous().cleanUp();
        return contexts.synchronous().estimatedSize();
    }

    /** Contexts built since the start (a build after an eviction counts again). */
    long builds() {
        return builds.get();
    }

    int capacity() {
        return capacity;
    }

    /**
     * Stops the builder (a build under way finishes) and releases every context held; connections
     * still open keep theirs until they end.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        generation.incrementAndGet();
        builderThread.shutdown();
        try {
            if (!builderThread.awaitTermination(closeWaitMillis, TimeUnit.MILLISECONDS)) {
                // a build stuck (a hung file system): the tasks queued behind it run here, where a
                // build fails at once (closed) and a removal notice releases its context
                builderThread.shutdownNow().forEach(Runnable::run);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        contexts.synchronous().invalidateAll(); // the removal notices now run here, releasing each context
        contexts.synchronous().cleanUp();
    }
}

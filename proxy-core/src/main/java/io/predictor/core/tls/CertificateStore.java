package io.predictor.core.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The certificates of one TLS listener: a directory of PEM pairs {@code NAME.crt} (the chain,
 * leaf first) + {@code NAME.key}. The default certificate — for clients without SNI or with a
 * name no certificate covers — is {@code default.crt} when there is one, else the first by file
 * name. The directory is re-read when it changes (a watcher thread, debounced, plus a periodic
 * look in case an event was missed) and on {@link #reload()} (SIGHUP); only changed pairs are
 * parsed again. A file that cannot be used is reported once through the {@link Listener} and
 * skipped; the others keep being served. A reload that finds no usable certificate at all keeps
 * the table in service.
 *
 * <p>A (re)load reads and checks every changed pair (PEM, key against certificate, names) but
 * builds no TLS context: those are built when a handshake first needs one, or by the warm-up
 * that follows each load, and kept in a {@link ContextCache} of {@code contextCache} contexts.
 * The default certificate's context is built before the load returns, so a listener that
 * starts can answer every handshake. A pair the TLS engine refuses when its context is built is
 * reported once, and its names get the default certificate until its files change.
 */
public final class CertificateStore implements AutoCloseable {

    /** What a (re)load found: told on the thread that loaded. */
    public interface Listener {
        /** A (re)load put {@code certificates} in service, with {@code defaultName} as the default. */
        void loaded(Path directory, List<ServerCertificate> certificates, String defaultName);

        /** A file that cannot be used (skipped), or a condition worth an operator's look. */
        void problem(Path file, String message);
    }

    /** The default certificate's file name, without {@code .crt}. */
    public static final String DEFAULT_NAME = "default";
    static final long DEBOUNCE_MILLIS = 200;
    static final long RESCAN_MILLIS = 10_000;
    /** How long a (re)load waits for the default certificate's context (~1 ms normally). */
    static final long BUILD_WAIT_MILLIS = 30_000;
    /** Contexts kept built when the config does not say ({@code tls.context_cache}). */
    public static final int DEFAULT_CONTEXT_CACHE = 10_000;

    private final Path directory;
    private final Listener listener;
    private final ContextCache contexts;
    private final long buildWaitMillis;
    private volatile CertificateTable table;
    /** Loaded pairs by name, in name order, with the fingerprint of their two files. */
    private final NavigableMap<String, Loaded> loaded = new TreeMap<>();
    /** Fingerprints of the pairs that failed, so that each failure is reported once. */
    private final Map<String, String> failed = new HashMap<>();
    private volatile Thread watcher;
    private volatile boolean closed;

    private record Loaded(String fingerprint, ServerCertificate certificate) {
    }

    private CertificateStore(Path directory, int contextCache, Listener listener, long buildWaitMillis) {
        this.directory = directory;
        this.listener = listener;
        this.buildWaitMillis = buildWaitMillis;
        this.contexts = new ContextCache(contextCache, this::build);
    }

    /** {@link #load(Path, int, Listener)} with {@link #DEFAULT_CONTEXT_CACHE}. */
    public static CertificateStore load(Path directory, Listener listener) throws IOException {
        return load(directory, DEFAULT_CONTEXT_CACHE, listener);
    }

    /**
     * Loads the directory, keeping at most {@code contextCache} TLS contexts built. Fails when it
     * cannot be read or holds no usable certificate (a TLS listener without one could not answer
     * any handshake).
     */
    public static CertificateStore load(Path directory, int contextCache, Listener listener) throws IOException {
        return load(directory, contextCache, listener, BUILD_WAIT_MILLIS);
    }

    /** {@link #load(Path, int, Listener)}, a (re)load waiting at most {@code buildWaitMillis} for the default's context. */
    static CertificateStore load(Path directory, int contextCache, Listener listener, long buildWaitMillis)
            throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException(directory + ": not a directory of certificates (NAME.crt + NAME.key)");
        }
        CertificateStore store = new CertificateStore(directory, contextCache, listener, buildWaitMillis);
        store.reload();
        if (store.table == null) {
            store.close();
            throw new IOException(directory + ": no usable certificate (NAME.crt + NAME.key PEM pairs);"
                    + " the problems were reported above");
        }
        return store;
    }

    public Path directory() {
        return directory;
    }

    /**
     * The certificate for a TLS ClientHello's SNI (null: none sent): the default when no
     * certificate covers the name, or when the one that does was refused by the TLS engine.
     */
    public ServerCertificate select(String sni) {
        String name = sni == null ? null : io.predictor.core.routing.HostName.normalize(sni);
        CertificateTable t = table;
        ServerCertificate c = t.select(name);
        return c.refusal() == null ? c : t.defaultCertificate();
    }

    /**
     * The certificate's context if it is built, with a reference for the caller, who releases it
     * once the connection's engine exists (the engine holds its own); null when not built yet.
     */
    public SslContext retainedContext(ServerCertificate c) {
        return contexts.retained(c);
    }

    /**
     * The certificate's context, built off the caller's thread if need be, with a reference for
     * the caller as in {@link #retainedContext}. Fails when the TLS engine refuses the pair
     * (reported once; {@link ServerCertificate#refusal()} says why).
     */
    public CompletableFuture<SslContext> retainedContextLater(ServerCertificate c) {
        return contexts.retainedLater(c);
    }

    /** TLS contexts built and held now. */
    public long contextsBuilt() {
        return contexts.size();
    }

    /** TLS contexts built since the start; more than the certificates means the cache is too small for the traffic. */
    public long contextBuilds() {
        return contexts.builds();
    }

    /** The most TLS contexts kept built. */
    public int contextCache() {
        return contexts.capacity();
    }

    /** The certificates in service. */
    public List<ServerCertificate> certificates() {
        return table.certificates();
    }

    public ServerCertificate defaultCertificate() {
        return table.defaultCertificate();
    }

    /** Re-reads the directory now (SIGHUP); returns whether the table in service changed. */
    public synchronized boolean reload() {
        if (closed) {
            return false;
        }
        TreeMap<String, String> pairs = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                if (file.endsWith(".crt") && !file.startsWith(".")) {
                    String name = file.substring(0, file.length() - 4);
                    pairs.put(name, fingerprint(f, directory.resolve(name + ".key")));
                }
            }
        } catch (IOException e) {
            listener.problem(directory, "cannot list the certificate directory (" + e.getMessage()
                    + "); the certificates in service stay");
            return false;
        }
        boolean changed = loaded.keySet().retainAll(pairs.keySet());
        failed.keySet().retainAll(pairs.keySet());
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            String name = pair.getKey();
            String fingerprint = pair.getValue();
            Loaded current = loaded.get(name);
            if (current != null && current.fingerprint().equals(fingerprint)) {
                continue;
            }
            if (fingerprint.equals(failed.get(name))) {
                continue; // reported already; waits for the files to change
            }
            try {
                ServerCertificate c = index(name);
                loaded.put(name, new Loaded(fingerprint, c));
                failed.remove(name);
                changed = true;
            } catch (IllegalArgumentException | IOException e) {
                failed.put(name, fingerprint);
                if (loaded.remove(name) != null) {
                    changed = true;
                }
                listener.problem(directory.resolve(name + ".crt"), e.getMessage() + "; skipped");
            }
        }
        if (closed) {
            return false; // closed while the pairs were read: the contexts are gone
        }
        int usable = loaded.size();
        contexts.admit(loadedCertificates());
        ServerCertificate defaultCertificate = buildDefault();
        changed |= loaded.size() != usable; // a default candidate the engine refused left the table
        if (defaultCertificate == null) {
            if (table != null) {
                listener.problem(directory, "no usable certificate left; the certificates in service stay");
            }
            return false;
        }
        if (!changed && table != null) {
            return false;
        }
        List<ServerCertificate> certificates = loadedCertificates(); // buildDefault may have left some out
        table = new CertificateTable(certificates, defaultCertificate);
        contexts.retainOnly(certificates);
        listener.loaded(directory, certificates, defaultCertificate.name());
        contexts.warm(certificates);
        return true;
    }

    /** The certificates of the pairs loaded, in name order. */
    private List<ServerCertificate> loadedCertificates() {
        List<ServerCertificate> certificates = new ArrayList<>(loaded.size());
        loaded.values().forEach(l -> certificates.add(l.certificate()));
        return certificates;
    }

    /**
     * The default certificate — {@code default.crt}, else the first by name — with its context
     * built, so that every handshake has one to fall back on. A candidate the TLS engine refuses
     * leaves the table (reported) and the next is tried; null when none is left. A candidate whose
     * files could not be read again just now (reported by {@link #build}) is not refused: it stays
     * the default, and the next handshake that needs its context builds it.
     */
    private ServerCertificate buildDefault() {
        while (!loaded.isEmpty()) {
            String name = loaded.containsKey(DEFAULT_NAME) ? DEFAULT_NAME : loaded.firstKey();
            Loaded candidate = loaded.get(name);
            ServerCertificate c = candidate.certificate();
            if (c.refusal() == null) {
                buildContext(c);
                if (c.refusal() == null) {
                    return c;
                }
            }
            // refused by the engine (reported by build(), now or when it was not the default):
            // it stays out until its files change
            loaded.remove(name);
            failed.put(name, candidate.fingerprint());
        }
        return null;
    }

    /**
     * Builds the certificate's context now unless it is built (waits for the build). A failed build
     * is reported by {@link #build}; the certificate's {@link ServerCertificate#refusal()} says
     * whether the engine refused it.
     */
    private void buildContext(ServerCertificate c) {
        CompletableFuture<SslContext> built = contexts.retainedLater(c);
        try {
            ReferenceCountUtil.release(built.get(buildWaitMillis, TimeUnit.MILLISECONDS));
        } catch (ExecutionException | CancellationException failed) {
            // reported by build(), or a failure of an earlier build not yet dropped by the cache
        } catch (TimeoutException stuck) {
            // a build stuck on its files (a hung file system) must not hold the reload, the watcher
            // and close() for good: the default stays, unbuilt; its handshakes wait for that build
            built.thenAccept(ReferenceCountUtil::release);
            listener.problem(directory.resolve(c.name() + ".crt"), "its TLS context was not built within "
                    + buildWaitMillis / 1000 + " s (its files hang?); the reload goes on without it");
        } catch (InterruptedException e) {
            built.thenAccept(ReferenceCountUtil::release);
            Thread.currentThread().interrupt();
        }
    }

    /** A pair read from its files and checked: the key belongs to the chain's first certificate. */
    private record Pair(X509Certificate[] chain, PrivateKey key) {
    }

    private Pair readPair(String name) throws IOException {
        Path crt = directory.resolve(name + ".crt");
        Path key = directory.resolve(name + ".key");
        if (!Files.exists(key)) {
            throw new IllegalArgumentException("no " + name + ".key beside it");
        }
        X509Certificate[] chain = PemFiles.chain(Files.readAllBytes(crt));
        PrivateKey privateKey;
        try {
            privateKey = PemFiles.privateKey(Files.readAllBytes(key));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ".key: " + e.getMessage());
        }
        PemFiles.checkPair(chain[0], privateKey);
        return new Pair(chain, privateKey);
    }

    /** Reads and checks a pair for the table: its names and expiry; no context yet. */
    private ServerCertificate index(String name) throws IOException {
        X509Certificate leaf = readPair(name).chain()[0];
        List<String> names = PemFiles.dnsNames(leaf);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the certificate names no DNS name (no subject alternative name, no CN)");
        }
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (notAfter.isBefore(Instant.now())) {
            listener.problem(directory.resolve(name + ".crt"), "expired on " + notAfter
                    + "; served anyway until it is replaced");
        }
        return new ServerCertificate(name, names, notAfter);
    }

    /**
     * Builds a certificate's context (on the context cache's thread): the pair is read again —
     * the store keeps no key material on the heap — checked again, and given to the TLS engine.
     * <ul>
     * <li>The engine refuses the pair: recorded on the certificate and reported; its names get the
     * default certificate until its files change.
     * <li>The files cannot be read again, or no longer check: they were readable and right at the
     * last (re)load, so they changed since (the next rescan reads them again) or the failure is
     * a passing one (too many open files, an I/O error). Not a refusal: this build fails (the
     * handshake gets the default certificate) and the next one tries again. Reported once a
     * streak of failures.
     * </ul>
     */
    private SslContext build(ServerCertificate c) throws IOException {
        Pair pair;
        try {
            pair = readPair(c.name());
        } catch (IllegalArgumentException | IOException e) {
            if (c.firstReadFailure()) {
                listener.problem(directory.resolve(c.name() + ".crt"), "cannot read the pair again to build its TLS"
                        + " context (" + e.getMessage() + "); its handshakes get the default certificate until a"
                        + " build can read it (each tries again)");
            }
            throw new IOException(c.name() + ": cannot read the pair again (" + e.getMessage() + ")", e);
        }
        c.readAgain();
        try {
            return TlsContexts.server(pair.key(), pair.chain());
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            String why = "the TLS engine refused the pair (" + e.getMessage() + ")";
            c.refuse(why);
            listener.problem(directory.resolve(c.name() + ".crt"), why
                    + "; its names get the default certificate until its files change");
            throw new IllegalArgumentException(why, e);
        }
    }

    private static String fingerprint(Path crt, Path key) {
        return stat(crt) + "|" + stat(key);
    }

    private static String stat(Path f) {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + Objects.toString(a.fileKey());
        } catch (IOException e) {
            return "missing";
        }
    }

    /**
     * Starts a daemon thread that reloads when the directory changes (inotify through the JDK's
     * WatchService, debounced so that a .crt and its .key written one after the other are read
     * together) and every {@link #RESCAN_MILLIS} in any case.
     */
    public synchronized void watch() {
        if (watcher != null) {
            return;
        }
        watcher = new Thread(this::watchLoop, "predictor-certificates");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void watchLoop() {
        WatchService ws = null;
        try {
            ws = FileSystems.getDefault().newWatchService();
            directory.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            listener.problem(directory, "cannot watch the directory (" + e.getMessage() + "); looking every "
                    + RESCAN_MILLIS / 1000 + "s instead");
            ws = null;
        }
        long nextScan = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESCAN_MILLIS);
        long dueAt = 0;
        try {
            while (!closed) {
                WatchKey key = ws == null ? null : ws.poll(DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
                if (ws == null) {
                    Thread.sleep(DEBOUNCE_MILLIS);
                }
                long now = System.nanoTime();
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    dueAt = now + TimeUnit.MILLISECONDS.toNanos(DEBOUNCE_MILLIS);
                }
                if ((dueAt != 0 && now - dueAt >= 0) || now - nextScan >= 0) {
                    dueAt = 0;
                    nextScan = now + TimeUnit.MILLISECONDS.toNanos(RESCAN_MILLIS);
                    reload();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            listener.problem(directory, "the certificate watcher stopped (" + e + "); SIGHUP still reloads");
        } finally {
            if (ws != null) {
                try {
                    ws.close();
                } catch (IOException ignored) {
                    // closing a watch service: nothing to do about a failure
                }
            }
        }
    }

    /**
     * Not under the store's lock: a reload whose read of a pair hangs (a hung file system) holds
     * it until the read returns, and a stop must not wait for that (found by review). A reload
     * that returns after the close installs nothing.
     */
    @Override
    public void close() {
        closed = true;
        contexts.close();
        Thread w = watcher;
        if (w != null) {
            w.interrupt();
        }
    }
}

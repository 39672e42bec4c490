package io.predictor.core.tls;

import io.netty.handler.ssl.SslContext;
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
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The certificates of one TLS listener: a directory of PEM pairs {@code NAME.crt} (the chain,
 * leaf first) + {@code NAME.key}. The default certificate — for clients without SNI or with a
 * name no certificate covers — is {@code default.crt} when there is one, else the first by file
 * name. The directory is re-read when it changes (a watcher thread, debounced, plus a periodic
 * look in case an event was missed) and on {@link #reload()} (SIGHUP); only changed pairs are
 * parsed again. A file that cannot be used is reported once through the {@link Listener} and
 * skipped; the others keep being served. A reload that finds no usable certificate at all keeps
 * the table in service.
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

    private final Path directory;
    private final Listener listener;
    private volatile CertificateTable table;
    /** Loaded pairs by name, with the fingerprint of their two files. */
    private final Map<String, Loaded> loaded = new HashMap<>();
    /** Fingerprints of the pairs that failed, so that each failure is reported once. */
    private final Map<String, String> failed = new HashMap<>();
    private Thread watcher;
    private volatile boolean closed;

    private record Loaded(String fingerprint, ServerCertificate certificate) {
    }

    private CertificateStore(Path directory, Listener listener) {
        this.directory = directory;
        this.listener = listener;
    }

    /**
     * Loads the directory. Fails when it cannot be read or holds no usable certificate (a TLS
     * listener without one could not answer any handshake).
     */
    public static CertificateStore load(Path directory, Listener listener) throws IOException {
        CertificateStore store = new CertificateStore(directory, listener);
        if (!Files.isDirectory(directory)) {
            throw new IOException(directory + ": not a directory of certificates (NAME.crt + NAME.key)");
        }
        store.reload();
        if (store.table == null) {
            throw new IOException(directory + ": no usable certificate (NAME.crt + NAME.key PEM pairs);"
                    + " the problems were reported above");
        }
        return store;
    }

    public Path directory() {
        return directory;
    }

    /** The certificate for a TLS ClientHello's SNI (null: none sent). */
    public ServerCertificate select(String sni) {
        String name = sni == null ? null : io.predictor.core.routing.HostName.normalize(sni);
        return table.select(name);
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
                ServerCertificate c = read(name);
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
        if (loaded.isEmpty()) {
            if (table != null) {
                listener.problem(directory, "no usable certificate left; the certificates in service stay");
            }
            return false;
        }
        if (!changed && table != null) {
            return false;
        }
        List<ServerCertificate> certificates = new ArrayList<>();
        loaded.values().forEach(l -> certificates.add(l.certificate()));
        certificates.sort((a, b) -> a.name().compareTo(b.name()));
        Loaded def = loaded.get(DEFAULT_NAME);
        ServerCertificate defaultCertificate = def != null ? def.certificate() : certificates.get(0);
        table = new CertificateTable(certificates, defaultCertificate);
        listener.loaded(directory, certificates, defaultCertificate.name());
        return true;
    }

    private ServerCertificate read(String name) throws IOException {
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
        List<String> names = PemFiles.dnsNames(chain[0]);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the certificate names no DNS name (no subject alternative name, no CN)");
        }
        Instant notAfter = chain[0].getNotAfter().toInstant();
        if (notAfter.isBefore(Instant.now())) {
            listener.problem(crt, "expired on " + notAfter + "; served anyway until it is replaced");
        }
        SslContext context;
        try {
            context = TlsContexts.server(privateKey, chain);
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new IllegalArgumentException("the TLS engine refused the pair (" + e.getMessage() + ")");
        }
        return new ServerCertificate(name, names, context, notAfter);
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

    @Override
    public synchronized void close() {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
        }
    }
}

package io.predictor.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.predictor.core.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCounted;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The certificate directory without sockets: selection rules, default, reload, bad files. */
class CertificateStoreTest {

    static TestCertificates certs;
    final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>(); // the builder thread reports too
    final List<String> loads = new ArrayList<>();

    @BeforeAll
    static void ca() throws Exception {
        certs = new TestCertificates("store test CA");
    }

    CertificateStore load(Path dir) throws IOException {
        return load(dir, CertificateStore.DEFAULT_CONTEXT_CACHE);
    }

    CertificateStore load(Path dir, int contextCache) throws IOException {
        return CertificateStore.load(dir, contextCache, recorder());
    }

    /** A listener that records into {@link #loads} and {@link #problems}. */
    CertificateStore.Listener recorder() {
        return new CertificateStore.Listener() {
            @Override
            public void loaded(Path directory, List<ServerCertificate> certificates, String defaultName) {
                loads.add(certificates.size() + " default=" + defaultName);
            }

            @Override
            public void problem(Path file, String message) {
                problems.add(file.getFileName() + ": " + message);
            }
        };
    }

    @Test
    void exactBeatsWildcardAndAWildcardCoversOneLabel() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "a-wild", "*.example.com");
        certs.writePair(dir, "b-exact", "www.example.com");
        try (CertificateStore store = load(dir)) {
            assertThat(store.select("www.example.com").name()).isEqualTo("b-exact");
            assertThat(store.select("WWW.Example.COM.").name()).as("case and trailing dot").isEqualTo("b-exact");
            assertThat(store.select("shop.example.com").name()).isEqualTo("a-wild");
            assertThat(store.select("example.com").name()).as("no certificate: the default").isEqualTo("a-wild");
            assertThat(store.select(null).name()).isEqualTo("a-wild");
            ServerCertificate wild = store.select("shop.example.com");
            assertThat(wild.covers("x.example.com")).isTrue();
            assertThat(wild.covers("example.com")).isFalse();
            assertThat(wild.covers("a.b.example.com")).isFalse();
            assertThat(wild.covers("xexample.com")).isFalse();
        }
    }

    @Test
    void defaultCrtIsTheDefaultElseTheFirstByName() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "zz", "z.test");
        certs.writePair(dir, "mm", "m.test");
        try (CertificateStore store = load(dir)) {
            assertThat(store.defaultCertificate().name()).isEqualTo("mm");
            certs.writePair(dir, "default", "fallback.test");
            assertThat(store.reload()).isTrue();
            assertThat(store.defaultCertificate().name()).isEqualTo("default");
            assertThat(store.select("other.test").name()).isEqualTo("default");
        }
    }

    @Test
    void aBadPairIsReportedOnceAndSkippedAndTheOthersStay() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "good", "good.test");
        certs.writePair(dir, "other", "other.test");
        Files.writeString(dir.resolve("nokey.crt"), Files.readString(dir.resolve("good.crt")));
        Files.copy(dir.resolve("other.key"), dir.resolve("mismatch.key"));
        Files.copy(dir.resolve("good.crt"), dir.resolve("mismatch.crt"));
        Files.writeString(dir.resolve("garbage.crt"), "hello");
        Files.writeString(dir.resolve("garbage.key"), "hello");
        try (CertificateStore store = load(dir)) {
            assertThat(store.certificates()).extracting(ServerCertificate::name).containsExactly("good", "other");
            assertThat(problems).hasSize(3);
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("nokey.crt").contains("no nokey.key"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("mismatch.crt").contains("does not belong"));
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("garbage.crt"));
            assertThat(store.reload()).as("nothing changed").isFalse();
            assertThat(problems).as("reported once").hasSize(3);
        }
    }

    @Test
    void aRemovedPairIsNoLongerServedButTheLastOneStays() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "one", "one.test");
        certs.writePair(dir, "two", "two.test");
        try (CertificateStore store = load(dir)) {
            Files.delete(dir.resolve("two.crt"));
            assertThat(store.reload()).isTrue();
            assertThat(store.select("two.test").name()).isEqualTo("one");
            Files.delete(dir.resolve("one.crt"));
            assertThat(store.reload()).isFalse();
            assertThat(store.select("one.test").name()).as("an empty directory keeps what is in service").isEqualTo("one");
        }
    }

    @Test
    void aDirectoryWithoutAnyUsableCertificateCannotStart() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        assertThatThrownBy(() -> load(dir)).isInstanceOf(IOException.class).hasMessageContaining("no usable certificate");
        assertThatThrownBy(() -> load(dir.resolve("missing"))).isInstanceOf(IOException.class);
    }

    @Test
    void pkcs1RsaKeysAreReadAndEncryptedOnesExplained() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        java.security.KeyPair kp = g.generateKeyPair();
        byte[] pkcs8 = kp.getPrivate().getEncoded();
        // PKCS#8 → PKCS#1: the OCTET STRING at the end of PrivateKeyInfo holds the RSAPrivateKey
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pkcs8);
        byte[] pkcs1 = info.parsePrivateKey().toASN1Primitive().getEncoded();
        String pem = "-----BEGIN RSA PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(pkcs1)
                + "\n-----END RSA PRIVATE KEY-----\n";
        assertThat(PemFiles.privateKey(pem.getBytes()).getEncoded()).isEqualTo(pkcs8);
        assertThatThrownBy(() -> PemFiles.privateKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n".getBytes()))
                .hasMessageContaining("encrypted");
    }

    @Test
    void aLoadBuildsOnlyTheDefaultsContextAndTheRestAreBuiltOnFirstUseWithinTheBound() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "default", "fallback.test");
        for (int i = 0; i < 4; i++) {
            certs.writePair(dir, "site" + i, "site" + i + ".test");
        }
        try (CertificateStore store = load(dir, 2)) {
            assertThat(store.certificates()).hasSize(5);
            awaitBuilt(store, 2); // the default, then the warm-up fills the cache and stops
            Thread.sleep(100);
            assertThat(store.contextBuilds()).as("the warm-up stops at the bound").isEqualTo(2);

            SslContext a = store.retainedContextLater(store.select("site3.test")).get(10, TimeUnit.SECONDS);
            assertThat(store.contextBuilds()).isEqualTo(3);
            SslContext again = store.retainedContext(store.select("site3.test"));
            if (again != null) { // a frequency-based cache may evict the newcomer at once
                assertThat(again).isSameAs(a);
                io.netty.util.ReferenceCountUtil.release(again);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (store.contextsBuilt() > 2 && System.nanoTime() < deadline) {
                Thread.sleep(10); // Caffeine evicts in its maintenance, on the builder thread
            }
            assertThat(store.contextsBuilt()).as("bounded").isLessThanOrEqualTo(2);
            assertThat(store.retainedContext(store.select("site2.test"))).as("never asked for: not built").isNull();
            io.netty.util.ReferenceCountUtil.release(a);
        }
    }

    @Test
    void handshakesWaitingForOneContextShareOneBuildAndAnEvictedContextIsFreedOnceItsLastUserLetsGo()
            throws Exception {
        assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), "BoringSSL's contexts are reference counted");
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "default", "fallback.test");
        certs.writePair(dir, "cold", "cold.test");
        certs.writePair(dir, "other", "other.test");
        try (CertificateStore store = load(dir, 1)) {
            awaitBuilt(store, 1);
            long before = store.contextBuilds();
            ServerCertificate cold = store.select("cold.test");
            List<CompletableFuture<SslContext>> waiting = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                waiting.add(store.retainedContextLater(cold));
            }
            SslContext first = waiting.get(0).get(10, TimeUnit.SECONDS);
            for (CompletableFuture<SslContext> f : waiting) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(first);
            }
            assertThat(store.contextBuilds() - before).as("one build for twenty handshakes").isEqualTo(1);
            ReferenceCounted counted = (ReferenceCounted) first;
            assertThat(counted.refCnt()).as("the cache's reference, if it kept it, and the twenty")
                    .isBetween(20, 21);

            // push it out of the one-context cache, then let the twenty go
            for (int round = 0; round < 5 && isBuilt(store, cold); round++) {
                for (String name : new String[] {"other.test", "fallback.test"}) {
                    io.netty.util.ReferenceCountUtil.release(
                            store.retainedContextLater(store.select(name)).get(10, TimeUnit.SECONDS));
                }
                Thread.sleep(50);
            }
            awaitReleasedTo(counted, 20);
            assertThat(counted.refCnt()).as("evicted: only the handshakes hold it").isEqualTo(20);
            for (int i = 0; i < 20; i++) {
                counted.release();
            }
            assertThat(counted.refCnt()).as("freed").isZero();
            SslContext rebuilt = store.retainedContextLater(cold).get(10, TimeUnit.SECONDS);
            assertThat(rebuilt).as("asked for again: built again").isNotSameAs(first);
            io.netty.util.ReferenceCountUtil.release(rebuilt);
        }
    }

    @Test
    void aReloadThatReplacesAPairFreesItsOldContextOnceTheLastConnectionUsingItLetsGo() throws Exception {
        assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), "BoringSSL's contexts are reference counted");
        Path dir = defaultAndSite();
        try (CertificateStore store = load(dir)) {
            ServerCertificate old = store.select("site.test");
            SslContext inUse = store.retainedContextLater(old).get(10, TimeUnit.SECONDS); // as a connection holds it
            ReferenceCounted counted = (ReferenceCounted) inUse;

            rewritePair(dir, "site", "site.test"); // renewed
            assertThat(store.reload()).isTrue();
            assertThat(store.select("site.test")).isNotSameAs(old);
            awaitReleasedTo(counted, 1);
            assertThat(counted.refCnt()).as("dropped by the cache; the open connection keeps it").isEqualTo(1);
            counted.release();
            assertThat(counted.refCnt()).as("freed with its last connection, not at some full collection").isZero();
        }
    }

    @Test
    void aPairTheEngineRefusesIsReportedOnceAndItsNamesGetTheDefault() throws Exception {
        assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), "BoringSSL checks the key when it parses it");
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "good", "good.test");
        certs.writePair(dir, "other", "other.test");
        certs.writePair(dir, "zlying", "zlying.test");
        // the load's check passes; BoringSSL refuses the key when the context is built
        TestCertificates.writeKeyWithForeignScalar(dir, "zlying", "other");
        try (CertificateStore store = load(dir)) {
            assertThat(store.certificates()).extracting(ServerCertificate::name).contains("zlying");
            awaitProblem("zlying.crt", "the TLS engine refused the pair");
            assertThat(store.select("zlying.test").name()).as("refused: the default").isEqualTo("good");
            assertThat(store.select("good.test").name()).isEqualTo("good");
            assertThat(store.reload()).as("nothing changed").isFalse();
            Thread.sleep(100);
            assertThat(problems).as("reported once").filteredOn(p -> p.startsWith("zlying.crt")).hasSize(1);

            rewritePair(dir, "zlying", "zlying.test"); // mended
            assertThat(store.reload()).isTrue();
            assertThat(store.select("zlying.test").name()).as("mended: its own again").isEqualTo("zlying");
        }
    }

    @Test
    void aDefaultTheEngineRefusesLeavesTheTableAndTheNextPairIsTheDefault() throws Exception {
        assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), "BoringSSL checks the key when it parses it");
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "other", "other.test");
        certs.writePair(dir, "default", "fallback.test");
        TestCertificates.writeKeyWithForeignScalar(dir, "default", "other");
        try (CertificateStore store = load(dir)) {
            assertThat(store.defaultCertificate().name()).isEqualTo("other");
            assertThat(store.certificates()).extracting(ServerCertificate::name).containsExactly("other");
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("default.crt").contains("refused"));
        }
        Files.delete(dir.resolve("other.crt"));
        assertThatThrownBy(() -> load(dir)).as("no pair the engine takes: no start")
                .isInstanceOf(IOException.class).hasMessageContaining("no usable certificate");
    }

    @Test
    void aPairWhoseFilesCannotBeReadAgainForAMomentIsNotRefusedAndIsReportedOnce() throws Exception {
        Path dir = defaultAndSite();
        try (CertificateStore store = load(dir, 1)) { // the warm-up stops at the default: site is built on demand
            ServerCertificate site = store.select("site.test");
            // a read that fails while the files stay the same (too many open files, an I/O error)
            unreadableWhile(dir, "site", () -> {
                for (int i = 0; i < 3; i++) {
                    assertThatThrownBy(() -> store.retainedContextLater(site).get(10, TimeUnit.SECONDS))
                            .hasMessageContaining("cannot read the pair again");
                    Thread.sleep(50); // the cache drops a failed build a moment after it fails
                }
                assertThat(store.select("site.test")).as("not refused: a handshake falls back for itself only")
                        .isSameAs(site);
            });
            assertThat(problems).filteredOn(p -> p.startsWith("site.crt")).as("a streak of failures, one report")
                    .singleElement().asString().contains("cannot read the pair again");
            assertThat(store.reload()).as("the files are back, unchanged").isFalse();
            assertThat(store.select("site.test")).isSameAs(site);
            io.netty.util.ReferenceCountUtil.release(store.retainedContextLater(site).get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aDefaultWhoseFilesCannotBeReadAgainAfterAnEvictionStaysTheDefault() throws Exception {
        Path dir = defaultAndSite();
        try (CertificateStore store = load(dir, 1)) {
            ServerCertificate byDefault = store.defaultCertificate();
            ServerCertificate site = store.select("site.test");
            // site's context takes the one place (the cache's admission may turn a newcomer away a few
            // times, and evicts in its maintenance, which contextsBuilt() runs)
            for (int i = 0; i < 200 && !(store.contextsBuilt() == 1 && isBuilt(store, site)); i++) {
                io.netty.util.ReferenceCountUtil.release(store.retainedContextLater(site).get(10, TimeUnit.SECONDS));
                Thread.sleep(5);
            }
            assertThat(isBuilt(store, site)).isTrue();
            assertThat(store.contextsBuilt()).as("the default's context evicted").isEqualTo(1);
            // a handshake needs the default's context again while its key cannot be read for a moment
            unreadableWhile(dir, "default", () -> assertThatThrownBy(
                    () -> store.retainedContextLater(byDefault).get(10, TimeUnit.SECONDS)));
            store.reload(); // the rescan, every 10 s; the failed build may still be in the cache
            assertThat(store.defaultCertificate()).as("unchanged and valid: still the default").isSameAs(byDefault);
            assertThat(store.select("fallback.test")).isSameAs(byDefault);
            assertThat(store.certificates()).extracting(ServerCertificate::name).containsExactly("default", "site");
        }
    }

    @Test
    void aHandshakeThatSelectedAPairBeforeAReloadReplacedItGetsNoContextForItAndSelectsAgain() throws Exception {
        Path dir = defaultAndSite();
        try (CertificateStore store = load(dir)) {
            ServerCertificate old = store.select("site.test"); // the handshake's selection, before the reload
            awaitBuilt(store, 2);
            rewritePair(dir, "site", "site.test");
            assertThat(store.reload()).isTrue();
            awaitBuilt(store, 2); // the default and the new site
            // the handshake's build, after the reload: a context for the old pair would stay cached for good
            assertThatThrownBy(() -> store.retainedContextLater(old).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("replaced or removed by a reload");
            ServerCertificate again = store.select("site.test"); // what CertificateSelector does next
            assertThat(again).isNotSameAs(old);
            io.netty.util.ReferenceCountUtil.release(store.retainedContextLater(again).get(10, TimeUnit.SECONDS));
            // the failed build's entry leaves the cache a moment after it fails
            awaitBuilt(store, 2);
            assertThat(problems).as("nothing to report").isEmpty();
        }
    }

    @Test
    void aHandshakeThatSelectedAPairBeforeAReloadRemovedItIsNotReported() throws Exception {
        Path dir = defaultAndSite();
        try (CertificateStore store = load(dir, 1)) {
            ServerCertificate old = store.select("site.test");
            Files.delete(dir.resolve("site.crt"));
            Files.delete(dir.resolve("site.key"));
            assertThat(store.reload()).isTrue();
            assertThatThrownBy(() -> store.retainedContextLater(old).get(10, TimeUnit.SECONDS));
            assertThat(store.select("site.test").name()).isEqualTo("default");
            Thread.sleep(100);
            assertThat(problems).as("a removed pair is neither refused nor unreadable").isEmpty();
        }
    }

    /** A new directory with two pairs: {@code default} (fallback.test) and {@code site} (site.test). */
    /**
     * A default whose files hang when its context is built (a hung file system; here its key is a
     * named pipe nobody writes to at that moment): the reload waits for that build only so long,
     * reports it, and returns, instead of holding the store's lock (and with it SIGHUP, the
     * watcher and close) for good. The build completes once the files answer again.
     */
    @Test
    void aReloadWhoseDefaultsBuildHangsGivesUpWaitingAndReportsIt() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "default", "fallback.test");
        Path key = dir.resolve("default.key");
        byte[] keyBytes = Files.readAllBytes(key);
        java.util.concurrent.Semaphore reads = new java.util.concurrent.Semaphore(0);
        Thread feeder = new Thread(() -> {
            try {
                while (true) {
                    reads.acquire();
                    Files.write(key, keyBytes); // waits for a reader to open the pipe; the reader gets EOF after it
                }
            } catch (InterruptedException | IOException e) {
                // the test is over
            }
        }, "key-feeder");
        feeder.setDaemon(true);
        try (CertificateStore store = CertificateStore.load(dir, 10, recorder(), 1_000)) {
            Files.delete(key);
            assumeTrue(new ProcessBuilder("mkfifo", key.toString()).start().waitFor() == 0, "mkfifo");
            feeder.start();
            reads.release(1); // the reload reads the pair (a new key file); its build then finds nobody writing

            long t0 = System.nanoTime();
            assertThat(store.reload()).as("a new default (its context not built yet)").isTrue();
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertThat(took).as("ms the reload waited").isBetween(900L, 8_000L);
            assertThat(problems).singleElement().asString()
                    .isEqualTo("default.crt: its TLS context was not built within 1 s (its files hang?);"
                            + " the reload goes on without it");
            ServerCertificate fallback = store.defaultCertificate();
            assertThat(fallback.dnsNames()).containsExactly("fallback.test");
            reads.release(1); // the files answer again: the build under way completes
            io.netty.util.ReferenceCountUtil.release(store.retainedContextLater(fallback).get(10, TimeUnit.SECONDS));
        } finally {
            feeder.interrupt();
        }
    }

    /**
     * A reload whose first read of a new pair hangs (its key a named pipe nobody writes to, as on
     * a hung file system) holds the store's lock until the read returns; close() took that lock,
     * so a stop (SIGTERM) hung with it (found by review). The close returns at once now, and the
     * reload, once its read returns, installs nothing.
     */
    @Test
    void aCloseDoesNotWaitForAReloadWhoseReadHangs() throws Exception {
        Path dir = defaultAndSite();
        CertificateStore store = CertificateStore.load(dir, 10, recorder(), 1_000);
        Path key = dir.resolve("late.key");
        certs.writePair(dir, "late", "late.test");
        byte[] keyBytes = Files.readAllBytes(key);
        Files.delete(key);
        assumeTrue(new ProcessBuilder("mkfifo", key.toString()).start().waitFor() == 0, "mkfifo");
        java.util.concurrent.CompletableFuture<Boolean> reload = java.util.concurrent.CompletableFuture.supplyAsync(
                store::reload);
        Thread.sleep(300);
        assertThat(reload).as("the reload hangs in its read of late.key").isNotDone();
        long t0 = System.nanoTime();
        java.util.concurrent.CompletableFuture.runAsync(store::close).get(5, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("ms the close took").isLessThan(2_000L);
        Files.write(key, keyBytes); // the file system answers again
        assertThat(reload.get(10, TimeUnit.SECONDS)).as("a reload that ends after the close installs nothing")
                .isFalse();
        assertThat(store.certificates()).extracting(ServerCertificate::name).doesNotContain("late");
    }

    private static Path defaultAndSite() throws Exception {
        Path dir = TestCertificates.newDirectory("unit");
        certs.writePair(dir, "default", "fallback.test");
        certs.writePair(dir, "site", "site.test");
        return dir;
    }

    /** Runs {@code r} while {@code name}'s key is moved away: its files' sizes, times and inodes stay the same. */
    private static void unreadableWhile(Path dir, String name, ThrowingRunnable r) throws Exception {
        Path key = dir.resolve(name + ".key");
        Path away = dir.resolve("." + name + ".away");
        Files.move(key, away);
        try {
            r.run();
        } finally {
            Files.move(away, key);
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * Writes a new pair over {@code name}'s, dated 2 s ahead so that the store sees a change even
     * when the new files have the old ones' sizes and land within the file system's time resolution.
     */
    private static void rewritePair(Path dir, String name, String dnsName) throws Exception {
        certs.writePair(dir, name, dnsName);
        Files.setLastModifiedTime(dir.resolve(name + ".crt"), java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() + 2_000));
    }

    /** Waits up to 5 s for the cache's reference to go: its removal notice runs on the builder thread. */
    private static void awaitReleasedTo(ReferenceCounted counted, int refCnt) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (counted.refCnt() > refCnt && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static boolean isBuilt(CertificateStore store, ServerCertificate c) {
        SslContext context = store.retainedContext(c);
        io.netty.util.ReferenceCountUtil.release(context);
        return context != null;
    }

    /** Waits up to 10 s for exactly {@code n} contexts held (builds finish, failed ones leave, on other threads). */
    private static void awaitBuilt(CertificateStore store, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.contextsBuilt() != n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(store.contextsBuilt()).isEqualTo(n);
    }

    private void awaitProblem(String file, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            synchronized (problems) {
                if (problems.stream().anyMatch(p -> p.startsWith(file) && p.contains(text))) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith(file).contains(text));
    }
}

package io.predictor.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCounted;
import io.predictor.core.testing.TestCertificates;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** The cache's own timing, with a builder the test holds back. */
class ContextCacheTest {

    /** A BoringSSL context (reference counted) where it loads, else the JDK's. */
    private static SslContext context() throws Exception {
        if (!io.netty.handler.ssl.OpenSsl.isAvailable()) {
            return new JdkSslContext(SSLContext.getDefault(), false, ClientAuth.NONE);
        }
        java.nio.file.Path dir = TestCertificates.newDirectory("context-cache");
        java.security.cert.X509Certificate cert = new TestCertificates("context cache CA").writePair(dir, "site",
                "site.test");
        return TlsContexts.server(PemFiles.privateKey(java.nio.file.Files.readAllBytes(dir.resolve("site.key"))),
                new java.security.cert.X509Certificate[] {cert});
    }

    @Test
    void aContextWhoseBuildWasUnderWayWhenItsPairLeftServiceIsNotKept() throws Exception {
        CountDownLatch building = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SslContext built = context();
        ContextCache cache = new ContextCache(10, c -> {
            building.countDown();
            release.await(10, TimeUnit.SECONDS);
            return built;
        });
        try {
            ServerCertificate replaced = new ServerCertificate("site", List.of("site.test"), Instant.MAX);
            cache.retainOnly(List.of(replaced));
            CompletableFuture<SslContext> handshake = cache.retainedLater(replaced); // being built...
            assertThat(building.await(10, TimeUnit.SECONDS)).isTrue();
            cache.retainOnly(List.of()); // ...when a reload replaces its pair
            release.countDown();

            assertThat(handshake.get(10, TimeUnit.SECONDS)).as("the handshake that asked still gets it").isSameAs(built);
            assertThat(cache.size()).as("not kept for a pair no longer in service").isZero();
            assertThat(cache.builds()).isEqualTo(1);
            if (built instanceof ReferenceCounted counted) {
                counted.release(); // the handshake's engine exists: its reference goes
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (counted.refCnt() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10); // the cache's goes with its removal notice, on the builder thread
                }
                assertThat(counted.refCnt()).as("the cache let its reference go too: freed").isZero();
            }
        } finally {
            cache.close();
        }
    }

    @Test
    void aBuildAskedForAPairAReloadHasTakenOutOfServiceFailsAndKeepsNothing() throws Exception {
        ContextCache cache = new ContextCache(10, c -> {
            throw new AssertionError("no build for a pair out of service");
        });
        try {
            ServerCertificate replaced = new ServerCertificate("site", List.of("site.test"), Instant.MAX);
            ServerCertificate successor = new ServerCertificate("site", List.of("site.test"), Instant.MAX);
            cache.retainOnly(List.of(replaced));
            cache.retainOnly(List.of(successor)); // a reload replaced the pair
            // a handshake that selected the pair before that reload asks for its context after it
            assertThatThrownBy(() -> cache.retainedLater(replaced).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ContextCache.NotInService.class);
            assertThat(cache.builds()).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (cache.size() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the cache drops a failed entry a moment after it fails, on the builder thread
            }
            assertThat(cache.size()).isZero();
        } finally {
            cache.close();
        }
    }

    /**
     * A build stuck on its files (a hung file system) when the listener closes: the close gives up
     * waiting for it, and the builds queued behind it fail at once rather than never completing
     * (their handshakes would wait until their timeout); the contexts held are released.
     */
    @Test
    void aCloseThatGivesUpOnAStuckBuildFailsTheBuildsQueuedBehindItAndReleasesWhatItHeld() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        SslContext heldContext = context();
        ServerCertificate held = new ServerCertificate("held", List.of("held.test"), Instant.MAX);
        ServerCertificate hung = new ServerCertificate("hung", List.of("hung.test"), Instant.MAX);
        ServerCertificate queued = new ServerCertificate("queued", List.of("queued.test"), Instant.MAX);
        ContextCache cache = new ContextCache(10, c -> {
            if (c == held) {
                return heldContext;
            }
            if (c == hung) {
                stuck.countDown();
                never.await(); // interrupted by the close's shutdownNow
            }
            return context();
        }, 500);
        try {
            cache.retainOnly(List.of(held, hung, queued));
            io.netty.util.ReferenceCountUtil.release(cache.retainedLater(held).get(10, TimeUnit.SECONDS));
            CompletableFuture<SslContext> hungBuild = cache.retainedLater(hung);
            assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<SslContext> queuedBuild = cache.retainedLater(queued); // waits behind the stuck one

            long t0 = System.nanoTime();
            cache.close();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("close gives up").isLessThan(5_000);

            assertThatThrownBy(() -> queuedBuild.get(5, TimeUnit.SECONDS)).as("the queued build fails, not hangs")
                    .isInstanceOf(java.util.concurrent.ExecutionException.class);
            assertThatThrownBy(() -> hungBuild.get(5, TimeUnit.SECONDS)).as("the stuck one, interrupted")
                    .isInstanceOf(java.util.concurrent.ExecutionException.class);
            if (heldContext instanceof ReferenceCounted counted) {
                assertThat(counted.refCnt()).as("the context the cache held is released").isZero();
            }
        } finally {
            never.countDown();
            cache.close();
        }
    }
}

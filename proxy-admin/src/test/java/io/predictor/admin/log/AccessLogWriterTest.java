package io.predictor.admin.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.http.Failure;
import io.predictor.core.routing.Route;
import io.predictor.core.server.ExchangeInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log's writer thread against a standard output that misbehaves: a failed write, a
 * slow reader, another writer of the same stream (found by review; each case failed before).
 */
class AccessLogWriterTest {

    private static final EventLog NO_EVENTS = (level, event, fields) -> {
    };

    private static ExchangeInfo exchange(String target) {
        return AccessLogTest.exchange("www.example.com", target, 200, 0);
    }

    /** Fails its first write (EAGAIN, ENOSPC for a moment, a log pipe restarting), then works. */
    private static final class FlakyOnce extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (failures.getAndIncrement() == 0) {
                throw new IOException("Resource temporarily unavailable");
            }
            bytes.write(b, off, len);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.US_ASCII);
        }
    }

    /**
     * One failed write of standard output ended the writer thread for good: every later line was
     * neither written nor counted as dropped (until the 64-buffer queue was full), so
     * predictor_access_log_dropped_total stayed 0 while the access log was silently gone.
     */
    @Test
    void oneFailedWriteDoesNotStopTheAccessLogForGood() throws Exception {
        FlakyOnce out = new FlakyOnce();
        AccessLog log = new AccessLog(out, NO_EVENTS);
        log.completed(exchange("/first"), 1_000_000); // not an event loop: handed off at once; its write fails
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (out.failures.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(out.failures.get()).isPositive();
        for (int i = 0; i < 10; i++) {
            log.completed(exchange("/after-" + i), 1_000_000);
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!out.text().contains("/after-9") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long written = out.text().lines().count();
        assertThat(written + log.dropped())
                .as("lines written (%s) + lines counted as dropped (%s) of the 11 logged after a transient write error",
                        written, log.dropped())
                .isGreaterThanOrEqualTo(10);
        log.close();
    }

    @TempDir
    Path dir;

    /**
     * The program gives the access log its own FileOutputStream on descriptor 1 and the event
     * log System.out. The access log writes 256 KiB buffers in one write(2); to a pipe (docker,
     * containerd, a log shipper) or a stream socket (journald) such a write is not atomic once the
     * pipe is full, and an event line landed in the middle of an access line. The access log now
     * writes holding the event log's stream, as the program passes it.
     */
    @Test
    void accessLinesAndEventLinesOnOneStdoutPipeNeverInterleave() throws Exception {
        Path fifo = dir.resolve("stdout");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = new FileInputStream(fifo.toFile())) {
                Thread.sleep(1500); // a log reader that is slow for a moment: the 64 KiB pipe fills
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] b = new byte[8192];
                for (int n; (n = in.read(b)) > 0; ) {
                    got.write(b, 0, n);
                }
                return got.toByteArray();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        FileOutputStream fd1ForAccessLog = new FileOutputStream(fifo.toFile());
        PrintStream systemOut = new PrintStream(new BufferedOutputStream(new FileOutputStream(fifo.toFile()), 8192));
        JsonLinesLog events = new JsonLinesLog(systemOut, Clock.systemUTC());
        AccessLog access = new AccessLog(fd1ForAccessLog, systemOut, events);
        EventLoop loop = new DefaultEventLoop();
        String path = "/" + "p".repeat(400);
        loop.submit(() -> {
            for (int i = 0; i < 3000; i++) {
                access.completed(exchange(path + i), 1_000_000);
            }
        }).sync();
        Thread eventWriter = new Thread(() -> {
            for (int i = 0; i < 300; i++) {
                events.event(EventLog.Level.WARN, "server_down", Map.of("pool", "legacy", "server", "10.1.0.1:80"));
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        eventWriter.start();
        eventWriter.join();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        access.close();
        systemOut.close();
        fd1ForAccessLog.close();
        String all = new String(read.get(30, TimeUnit.SECONDS), StandardCharsets.US_ASCII);
        List<String> broken = new ArrayList<>();
        for (String line : all.split("\n")) {
            boolean whole = line.startsWith("{\"time\":") && line.endsWith("}")
                    && (line.contains("\"log\":\"access\"") ? line.endsWith("\"revision\":42}") : line.endsWith("\"server\":\"10.1.0.1:80\"}")
                            || line.endsWith("\"pool\":\"legacy\"}"));
            int objects = line.split("\\{\"time\"", -1).length - 1;
            if (!whole || objects != 1) {
                broken.add(line.length() > 300 ? line.substring(0, 150) + " ... " + line.substring(line.length() - 150) : line);
            }
        }
        assertThat(broken).as("lines that are not one whole JSON object").isEmpty();
    }

    /**
     * close() gave the writer 2 s and returned; the daemon writer then died with the JVM, and with
     * a standard output slower than the backlog (a log shipper catching up at a restart) the last
     * lines were lost without being counted. It now waits longer, and counts what is left.
     */
    @Test
    void closeReturnsOnlyOnceEveryLineIsWrittenOrCountedAsDropped() throws Exception {
        AtomicInteger newlines = new AtomicInteger();
        OutputStream slowStdout = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int at = off; at < off + len; at += 4096) { // ~1 MB/s
                    try {
                        Thread.sleep(4);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    for (int i = at; i < Math.min(off + len, at + 4096); i++) {
                        if (b[i] == '\n') {
                            newlines.incrementAndGet();
                        }
                    }
                }
            }
        };
        AccessLog log = new AccessLog(slowStdout, NO_EVENTS);
        EventLoop loop = new DefaultEventLoop();
        String path = "/" + "p".repeat(400);
        int lines = 6_000; // ~3 MB at ~1 MB/s: more than the old 2 s, less than the 10 s wait
        loop.submit(() -> {
            for (int i = 0; i < lines; i++) {
                log.completed(exchange(path + i), 1_000_000);
            }
        }).sync();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        log.close();
        assertThat(newlines.get() + log.dropped())
                .as("lines written (%s) or counted as dropped (%s) when close() returns", newlines.get(), log.dropped())
                .isEqualTo(lines);
    }

    /** A standard output that takes nothing: close() gives up after its wait, and counts and reports what is left. */
    @Test
    void closeCountsAndReportsWhatAStuckOutputNeverTook() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        OutputStream stuck = AccessLogTest.blockedUntil(never, OutputStream.nullOutputStream());
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(stuck, (level, event, fields) -> events.add(event + " " + fields.get("lines")));
        EventLoop loop = new DefaultEventLoop();
        loop.submit(() -> {
            for (int i = 0; i < 3000; i++) {
                log.completed(exchange("/" + "p".repeat(400) + i), 1_000_000);
            }
        }).sync();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        log.close(300);
        never.countDown();
        assertThat(log.dropped()).as("the buffers still queued").isPositive();
        assertThat(events).singleElement().asString().startsWith("access_log_lines_lost ");
    }
}

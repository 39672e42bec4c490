package io.predictor.admin.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.AsciiString;
import io.predictor.core.http.ByteText;
import io.predictor.core.http.Failure;
import io.predictor.core.routing.Route;
import io.predictor.core.server.ExchangeInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    private static final EventLog NO_EVENTS = (level, event, fields) -> {
    };

    /** An output that collects what the writer thread writes. */
    private static final class Sink extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private int writes;

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes++;
            bytes.write(b, off, len);
        }

        synchronized List<String> lines() {
            String s = bytes.toString(StandardCharsets.UTF_8);
            return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n"));
        }

        synchronized int writes() {
            return writes;
        }

        List<String> awaitLines(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lines().size() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return lines();
        }
    }

    static ExchangeInfo exchange(String host, String target, int status, long startNanos) {
        return new ExchangeInfo() {
            @Override public String listener() { return "http"; }
            @Override public String clientAddress() { return "192.0.2.7"; }
            @Override public String host() { return host; }
            @Override public String method() { return "GET"; }
            @Override public String target() { return target; }
            @Override public Route route() { return status == 502 ? Route.LOCAL : Route.LEGACY; }
            @Override public int status() { return status; }
            @Override public Failure failure() { return status == 502 ? Failure.BAD_RESPONSE : null; }
            @Override public String originServer() { return status == 502 ? "10.0.0.1:80" : null; }
            @Override public long bytesIn() { return 77; }
            @Override public long bytesOut() { return 1234567; }
            @Override public long startNanos() { return startNanos; }
            @Override public long revision() { return 42; }
        };
    }

    @Test
    void writesOneJsonLinePerRequestWithEveryField() throws Exception {
        Sink sink = new Sink();
        AccessLog log = new AccessLog(sink, NO_EVENTS);
        long before = System.currentTimeMillis();
        log.completed(exchange("www.example.com", "/a?b=\"c\"\\\u0001\u00e9", 200, 1_000_000L), 1_000_000L + 12_345_678L);
        log.completed(exchange(null, "/", 502, 0), 50_000L);
        List<String> lines = sink.awaitLines(2);
        log.close();

        assertThat(lines).hasSize(2);
        String first = lines.get(0);
        assertThat(first).matches("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\",\"log\":\"access\",.*");
        Instant time = Instant.parse(first.substring(9, 33));
        assertThat(time.toEpochMilli()).isBetween(before, System.currentTimeMillis());
        assertThat(first.substring(35)).isEqualTo("\"log\":\"access\",\"listener\":\"http\",\"client\":\"192.0.2.7\","
                + "\"host\":\"www.example.com\",\"method\":\"GET\",\"path\":\"/a?b=\\\"c\\\"\\\\\\u0001\\u00e9\","
                + "\"status\":200,\"route\":\"legacy\",\"upstream\":null,\"bytes_in\":77,\"bytes_out\":1234567,"
                + "\"duration_ms\":12.345,\"revision\":42}");
        assertThat(lines.get(1)).endsWith("\"host\":null,\"method\":\"GET\",\"path\":\"/\",\"status\":502,"
                + "\"route\":\"local\",\"error\":\"" + Failure.BAD_RESPONSE.kind() + "\",\"upstream\":\"10.0.0.1:80\","
                + "\"bytes_in\":77,\"bytes_out\":1234567,\"duration_ms\":0.05,\"revision\":42}");
    }

    @Test
    void textsThatComeAsBytesAreEscapedAsStringsAre() {
        String text = "/a?b=\"c\"\\\u0001\t\u00e9";
        byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] within = new byte[latin1.length + 4]; // at an offset, as a request's bytes are
        System.arraycopy(latin1, 0, within, 2, latin1.length);
        String expected = "\"/a?b=\\\"c\\\"\\\\\\u0001\\t\\u00e9\"";
        assertThat(quoted(text)).isEqualTo(expected);
        assertThat(quoted(new ByteText().set(within, 2, latin1.length))).as("HTTP/1's texts").isEqualTo(expected);
        assertThat(quoted(new AsciiString(within, 2, latin1.length, false))).as("HTTP/2's").isEqualTo(expected);
    }

    private static String quoted(CharSequence text) {
        AccessLog.JsonLineWriter w = new AccessLog.JsonLineWriter();
        byte[] line = new byte[256];
        w.start(line, 0);
        w.quote(text);
        return new String(line, 0, w.length(), StandardCharsets.US_ASCII);
    }

    @Test
    void eventLoopLinesAreBatchedAndArriveWithinTheFlushDelay() throws Exception {
        Sink sink = new Sink();
        AccessLog log = new AccessLog(sink, NO_EVENTS);
        EventLoop loop = new DefaultEventLoop();
        try {
            long t0 = System.nanoTime();
            loop.submit(() -> {
                for (int i = 0; i < 100; i++) {
                    log.completed(exchange("site" + i + ".example", "/", 200, 0), 1_000_000);
                }
            }).sync();
            List<String> lines = sink.awaitLines(100);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(lines).hasSize(100);
            assertThat(lines.get(99)).contains("\"host\":\"site99.example\"");
            assertThat(sink.writes()).as("one write for the whole batch").isEqualTo(1);
            assertThat(tookMillis).isGreaterThanOrEqualTo(AccessLog.FLUSH_AFTER_MILLIS - 5).isLessThan(5_000);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            log.close();
        }
    }

    @Test
    void aFullBufferIsHandedOffWithoutWaitingAndLongLinesSurviveWhole() throws Exception {
        Sink sink = new Sink();
        AccessLog log = new AccessLog(sink, NO_EVENTS);
        EventLoop loop = new DefaultEventLoop();
        String longPath = "/" + "x".repeat(40_000);
        try {
            loop.submit(() -> {
                for (int i = 0; i < 1000; i++) {
                    log.completed(exchange("www.example.com", i == 500 ? longPath : "/p" + i, 200, 0), 1_000_000);
                }
            }).sync();
            List<String> lines = sink.awaitLines(1000);
            assertThat(lines).hasSize(1000);
            assertThat(lines).filteredOn(l -> l.contains(longPath)).hasSize(1);
            assertThat(lines).filteredOn(l -> l.contains("\"path\":\"/p")).hasSize(999);
            assertThat(lines).allMatch(l -> l.startsWith("{\"time\":") && l.endsWith("\"revision\":42}"));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            log.close();
        }
    }

    @Test
    void closeWritesWhatStoppedEventLoopsStillHeld() throws Exception {
        Sink sink = new Sink();
        AccessLog log = new AccessLog(sink, NO_EVENTS);
        EventLoop loop = new DefaultEventLoop();
        loop.submit(() -> log.completed(exchange("last.example", "/", 200, 0), 1_000_000)).sync();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync(); // its scheduled flush never runs
        log.close();
        assertThat(sink.lines()).hasSize(1);
        assertThat(sink.lines().get(0)).contains("\"host\":\"last.example\"");
    }

    @Test
    void dropsAndCountsLinesWhenTheWriterCannotKeepUp() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Sink sink = new Sink();
        OutputStream stuck = blockedUntil(release, sink);
        AccessLog log = new AccessLog(stuck, NO_EVENTS);
        int sent = AccessLog.QUEUE_CAPACITY + 100;
        for (int i = 0; i < sent; i++) {
            log.completed(exchange("www.example.com", "/", 200, 0), 1_000_000); // each its own chunk: not a loop
        }
        assertThat(log.dropped()).isBetween(99L, 100L); // the writer may hold one chunk already
        release.countDown();
        log.close();
        assertThat(sink.lines()).hasSize((int) (sent - log.dropped()));
        // the backlog's 16 MiB of buffers are not all kept for reuse afterwards
        assertThat(log.spareBuffers()).isBetween(1, AccessLog.SPARE_BUFFERS);
    }

    @Test
    void eventsReportAFailingOutput() throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        EventLog events = (level, event, fields) -> {
            if (event.equals("access_log_failed")) {
                reported.countDown();
            }
        };
        AccessLog log = new AccessLog(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk full");
            }
        }, events);
        log.completed(exchange("www.example.com", "/", 200, 0), 1_000_000);
        assertThat(reported.await(5, TimeUnit.SECONDS)).isTrue();
        log.close();
    }

    /** A standard output that takes nothing until {@code release}, then passes writes on to {@code then}. */
    static OutputStream blockedUntil(CountDownLatch release, OutputStream then) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                then.write(b, off, len);
            }
        };
    }

    /**
     * Found by review: SPEC section 2 says "no secrets in logs", yet the field "path" is the raw
     * request target, so credentials a client puts in the URL land on stdout verbatim: the
     * password of an absolute-form target's userinfo (RFC 9110 section 4.2.4: deprecated, to be
     * treated as an error) and bearer tokens passed as query parameters (RFC 6750 section 2.3,
     * "access_token").
     */
    @Test
    void credentialsInTheRequestTargetAreNotLogged() throws Exception {
        Sink sink = new Sink();
        AccessLog log = new AccessLog(sink, NO_EVENTS);
        log.completed(exchange("www.example.com", "http://alice:hunter2-password@www.example.com/", 400, 0), 1_000L);
        log.completed(exchange("www.example.com", "/api/files?access_token=eyJhbGciOi.secret-token", 200, 0), 1_000L);
        List<String> lines = sink.awaitLines(2);
        log.close();
        assertThat(lines).hasSize(2);
        assertThat(String.join("\n", lines)).doesNotContain("hunter2-password").doesNotContain("secret-token");
        assertThat(lines.get(0)).contains("\"path\":\"http://www.example.com/\"");
        assertThat(lines.get(1)).contains("\"path\":\"/api/files?access_token=REDACTED\"");
    }
}

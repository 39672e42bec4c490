package io.predictor.admin.log;

import io.predictor.admin.json.Json;
import io.predictor.core.server.ExchangeInfo;
import io.predictor.core.server.ExchangeListener;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JSON line per request (SPEC §2 "Logs"): time, client, host, method, path, status, route,
 * origin server, bytes in/out, duration, and the table revision that routed it. The line is
 * built on the event loop and handed to a writer thread through a bounded queue; when the
 * queue is full the line is dropped and counted — the data plane never waits for the log.
 */
public final class AccessLog implements ExchangeListener, AutoCloseable {

    static final int QUEUE_CAPACITY = 65_536;

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final OutputStream out;
    private final EventLog events;
    private final Thread writer;
    private volatile boolean closed;

    /** Writes to {@code out}; trouble with writing is reported to {@code events}. */
    public AccessLog(OutputStream out, EventLog events) {
        this.out = out;
        this.events = events;
        this.writer = new Thread(this::drain, "predictor-access-log");
        writer.setDaemon(true);
        writer.start();
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
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"time\":\"").append(Instant.now()).append("\",\"log\":\"access\"");
        field(sb, "listener", e.listener());
        field(sb, "client", e.clientAddress());
        field(sb, "host", e.host());
        field(sb, "method", e.method());
        field(sb, "path", e.target());
        sb.append(",\"status\":").append(e.status());
        field(sb, "route", e.route() == null ? "error" : e.route().wireName());
        if (e.failure() != null) {
            field(sb, "error", e.failure().kind());
        }
        field(sb, "upstream", e.originServer());
        sb.append(",\"bytes_in\":").append(e.bytesIn());
        sb.append(",\"bytes_out\":").append(e.bytesOut());
        sb.append(",\"duration_ms\":").append((endNanos - e.startNanos()) / 1000 / 1000.0);
        sb.append(",\"revision\":").append(e.revision());
        sb.append("}\n");
        if (!queue.offer(sb.toString())) {
            dropped.incrementAndGet();
        }
    }

    private void drain() {
        try {
            while (!closed || !queue.isEmpty()) {
                String line = queue.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                out.write(line.getBytes(StandardCharsets.UTF_8));
                String next;
                while ((next = queue.poll()) != null) {
                    out.write(next.getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            events.event(EventLog.Level.ERROR, "access_log_failed", Map.of("error", e.toString()));
        }
    }

    private static void field(StringBuilder sb, String name, String value) {
        sb.append(",\"").append(name).append("\":");
        if (value == null) {
            sb.append("null");
        } else {
            Json.quote(value, sb);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        writer.join(2000);
    }
}

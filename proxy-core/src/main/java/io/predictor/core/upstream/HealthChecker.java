package io.predictor.core.upstream;

import io.predictor.core.server.PoolSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Active health checks (HAProxy's {@code option httpchk}): every {@code interval}, a
 * {@code GET path} to each server of a pool that has a check; a 2xx or 3xx answer within
 * {@code timeout} is a success. {@code fall} failures in a row take a server out,
 * {@code rise} successes bring it back. Runs on one thread of its own with blocking sockets —
 * a handful of servers, never the event loops.
 */
public final class HealthChecker implements AutoCloseable {

    /** Told when a server changes state: pool, server ({@code host:port}), up. */
    @FunctionalInterface
    public interface Listener {
        void changed(String pool, String server, boolean up);
    }

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "predictor-health");
        t.setDaemon(true);
        return t;
    });

    /** Starts checking {@code pool}'s servers, whose shared health is {@code health}. */
    public void watch(PoolSettings pool, ServerHealth health, Listener listener) {
        PoolSettings.HealthCheck check = pool.healthCheck();
        if (check == null) {
            return;
        }
        List<InetSocketAddress> servers = pool.servers();
        int[] streak = new int[servers.size()]; // > 0: successes in a row, < 0: failures in a row
        timer.scheduleWithFixedDelay(() -> {
            for (int i = 0; i < servers.size(); i++) {
                boolean ok = probe(servers.get(i), check, proxyHeader(pool.proxyProtocol()));
                streak[i] = ok ? Math.max(1, streak[i] + 1) : Math.min(-1, streak[i] - 1);
                boolean up = health.isUp(i);
                if (up && streak[i] <= -check.fall()) {
                    health.setUp(i, false);
                    listener.changed(pool.name(), name(servers.get(i)), false);
                } else if (!up && streak[i] >= check.rise()) {
                    health.setUp(i, true);
                    listener.changed(pool.name(), name(servers.get(i)), true);
                }
            }
        }, 0, check.intervalMillis(), TimeUnit.MILLISECONDS);
    }

    /** A pool that expects PROXY headers gets one saying "no client" (v1 UNKNOWN, v2 LOCAL) before the check. */
    static byte[] proxyHeader(PoolSettings.ProxyProtocol version) {
        io.netty.buffer.ByteBuf h = ProxyHeader.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, version, null);
        if (h == null) {
            return new byte[0];
        }
        try {
            return io.netty.buffer.ByteBufUtil.getBytes(h);
        } finally {
            h.release();
        }
    }

    static boolean probe(InetSocketAddress server, PoolSettings.HealthCheck check) {
        return probe(server, check, new byte[0]);
    }

    static boolean probe(InetSocketAddress server, PoolSettings.HealthCheck check, byte[] proxyHeader) {
        int timeout = (int) Math.max(1, check.timeoutMillis());
        try (Socket s = new Socket()) {
            s.connect(server, timeout);
            s.setSoTimeout(timeout);
            String request = "GET " + check.path() + " HTTP/1.1\r\nHost: " + name(server)
                    + "\r\nUser-Agent: predictor-health-check\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(proxyHeader);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] status = in.readNBytes(12);
            if (status.length < 12 || status[0] != 'H' || status[8] != ' ') {
                return false;
            }
            return status[9] == '2' || status[9] == '3';
        } catch (IOException e) {
            return false;
        }
    }

    private static String name(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

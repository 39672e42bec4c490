package io.predictor.admin.jvm;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's open-files limit ({@code RLIMIT_NOFILE}), and how many client connections it
 * leaves room for.
 *
 * <p>Each client connection can need two descriptors: its own, and its origin connection's.
 * HAProxy sizes its {@code maxsock} the same way (twice {@code maxconn}, plus its own). Some
 * descriptors are also kept for everything else: listeners, the admin API, the state journal,
 * certificates being reloaded, the JVM's own files. A proxy that runs out of descriptors cannot
 * accept, cannot open origin connections for the clients it already has (they get 502s), and
 * cannot open the files it needs. So {@code limits.max_connections} is lowered to what the limit
 * leaves room for, and the program says so at start ({@code max_connections_lowered}).
 */
public final class OpenFiles {

    /** Descriptors kept for everything but client and origin connections, at most. */
    static final long RESERVE_MAX = 1_000;

    private OpenFiles() {
    }

    /**
     * This process's open-files limit, or -1 when the JVM cannot tell (not a Unix). The JVM
     * raises its soft limit to the hard one at start ({@code -XX:+MaxFDLimit}, the default), so
     * this is usually the hard limit.
     */
    public static long limit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    /** Descriptors kept for everything but connections: a tenth of the limit, at most {@value #RESERVE_MAX}. */
    static long reserve(long limit) {
        return Math.min(RESERVE_MAX, limit / 10);
    }

    /**
     * The most client connections a process with {@code limit} open files can hold, two
     * descriptors each beside the reserve, and never more than {@code configured}.
     */
    public static int maxConnections(int configured, long limit) {
        if (limit <= 0) {
            return configured;
        }
        long fit = (limit - reserve(limit)) / 2;
        return (int) Math.max(1, Math.min(configured, fit));
    }

    /** The open-files limit at which {@code configured} connections are not lowered. */
    public static long limitFor(int configured) {
        long limit = 2L * configured;
        while (maxConnections(configured, limit) < configured) {
            limit++; // at most the reserve's 1,000 steps, once at start
        }
        return limit;
    }
}

package io.predictor.core.upstream;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Whether each server of one pool may take requests, shared by every event loop: the active
 * health check's verdict ({@link #setUp}) and passive ejection — a server whose connections
 * fail {@link #EJECT_AFTER} times in a row is left out for {@link #EJECT_MILLIS}, as Envoy's
 * outlier detection does. Reads are two volatile loads per server; no lock.
 */
public final class ServerHealth {

    /** Consecutive connection failures that eject a server. */
    public static final int EJECT_AFTER = 3;
    /** How long an ejected server is left out before it is tried again. */
    public static final long EJECT_MILLIS = 10_000;

    private final AtomicIntegerArray up;
    private final AtomicIntegerArray failures;
    private final AtomicLongArray ejectedUntil;

    public ServerHealth(int servers) {
        this.up = new AtomicIntegerArray(servers);
        this.failures = new AtomicIntegerArray(servers);
        this.ejectedUntil = new AtomicLongArray(servers);
        for (int i = 0; i < servers; i++) {
            up.set(i, 1);
        }
    }

    public int size() {
        return up.length();
    }

    /** Whether server {@code i} may be picked now. */
    public boolean available(int i, long nowNanos) {
        return up.get(i) == 1 && nowNanos - ejectedUntil.get(i) >= 0;
    }

    public boolean isUp(int i) {
        return up.get(i) == 1;
    }

    /** The active check's verdict. */
    public void setUp(int i, boolean isUp) {
        up.set(i, isUp ? 1 : 0);
        if (isUp) {
            failures.set(i, 0);
        }
    }

    public void recordSuccess(int i) {
        if (failures.get(i) != 0) {
            failures.set(i, 0);
        }
    }

    /** Counts a failed connection; returns true when it ejected the server. */
    public boolean recordFailure(int i, long nowNanos) {
        if (failures.incrementAndGet(i) >= EJECT_AFTER) {
            failures.set(i, 0);
            ejectedUntil.set(i, nowNanos + EJECT_MILLIS * 1_000_000L);
            return true;
        }
        return false;
    }
}

package io.predictor.core.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One scheduled task per connection for all of its timeouts. A connection keeps its deadlines
 * in plain fields and asks this timer to wake it {@linkplain #wakeBy no later than} the nearest
 * one; when it wakes, it looks at the clock, acts on what has expired, and asks again for the
 * next. Moving a deadline later — what every request does — is a field write, not a task.
 *
 * <p>Why not Netty's {@code IdleStateHandler} and a scheduled task per timeout: the profile of a
 * keep-alive run showed the per-request {@code schedule}/{@code cancel} pairs (an allocation and
 * two priority-queue operations each) and, for {@code IdleStateHandler}'s all-idle mode, a real
 * promise and listener on every write where the relay passes the void promise. Here the task is
 * rescheduled only when it fires early or a deadline moves earlier — about once per timeout
 * period per connection. A deadline is therefore checked up to the time the task was asked for,
 * never before it: timeouts fire on time, never early.
 *
 * <p>Not thread-safe: used only from the connection's event loop.
 */
public final class DeadlineTimer {

    private final EventExecutor executor;
    private final Runnable fire = this::fire;
    private final Runnable onDue;
    private Future<?> scheduled;
    private long scheduledAt;

    /** {@code onDue} runs on {@code executor} when a requested wake-up time comes. */
    public DeadlineTimer(EventExecutor executor, Runnable onDue) {
        this.executor = executor;
        this.onDue = onDue;
    }

    /**
     * Makes sure {@code onDue} runs at {@code deadlineNanos} ({@link System#nanoTime()} time) or
     * earlier. A wake-up already due sooner is kept; a later one is replaced.
     */
    public void wakeBy(long deadlineNanos, long nowNanos) {
        if (scheduled != null) {
            if (scheduledAt - deadlineNanos <= 0) {
                return;
            }
            scheduled.cancel(false);
        }
        scheduledAt = deadlineNanos;
        scheduled = executor.schedule(fire, Math.max(0, deadlineNanos - nowNanos), TimeUnit.NANOSECONDS);
    }

    /** Whether a wake-up is pending. */
    public boolean pending() {
        return scheduled != null;
    }

    /** Cancels the pending wake-up, if any (the connection closed). */
    public void cancel() {
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
    }

    private void fire() {
        scheduled = null;
        onDue.run();
    }
}

package io.predictor.admin.service;

import io.predictor.admin.log.EventLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one long-lived thread, {@value #NAME}, on which reloads (SIGHUP, {@code POST
 * /api/v1/reload}) read the sites file, at the OS's background priority: on a core it shares
 * with an event loop it takes only the CPU the event loop leaves idle and is preempted as soon
 * as the event loop wakes, so a reload of millions of lines needs no pauses of its own. Where
 * the priority cannot be lowered (not Linux, no {@code chrt}) it says so in the
 * event log and {@link #background()} is false: the reload is then paced instead.
 *
 * <p>A thread may lower its own priority without privileges; Java has no call for it, so the
 * thread runs {@code chrt --idle -p 0 TID} on itself once, at start, with its TID read from
 * {@code /proc/thread-self}. See it with {@code ps -L -o tid,cls,comm -p PID}: class {@code IDL},
 * name {@code predictor-reloa} (Linux cuts thread names to 15 characters).
 */
public final class ReloadThread implements AutoCloseable {

    /** The thread's name, as {@code ps -L} and {@code top -H} show it. */
    public static final String NAME = "predictor-reload";

    /**
     * {@code SCHED_IDLE} (the thread's TID appended): the thread runs only on CPU time no normal
     * thread wants, and any thread that wakes preempts it. Under the benchmark's reload it gave a
     * lower p99 than {@code renice -n 19} and than pacing the read on top of it (git log has the figures).
     */
    private static final List<String> IDLE = List.of("chrt", "--idle", "-p", "0");

    private final ExecutorService executor;
    private final Future<Boolean> lowered;
    private final EventLog events;

    private ReloadThread(String priority, List<String> command, EventLog events) {
        this.events = events;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, NAME);
            t.setDaemon(true);
            return t;
        });
        this.lowered = executor.submit(() -> lowerOwnPriority(priority, command, events));
    }

    /** Starts the thread; it lowers its own priority before it reads anything, and logs the outcome. */
    public static ReloadThread start(EventLog events) {
        return new ReloadThread("idle", IDLE, events);
    }

    /** Tests: a thread that lowers its priority with {@code command} (its TID appended; none: unchanged). */
    static ReloadThread start(String priority, List<String> command, EventLog events) {
        return new ReloadThread(priority, command, events);
    }

    /** Whether the OS runs this thread at background priority (else reads on it should be paced). */
    public boolean background() {
        try {
            return getUninterruptibly(lowered);
        } catch (ExecutionException e) {
            return false; // lowerOwnPriority logs its failures and returns false: this is unreachable
        }
    }

    /**
     * Runs {@code task} on this thread and waits for it, uninterruptibly (the caller holds the
     * reload's lock while the read needs its memory); rethrows what it threw — an
     * {@link IOException}, a {@link RuntimeException} or an {@link Error} such as
     * {@link OutOfMemoryError} — as it was thrown.
     */
    public <T> T call(Callable<T> task) throws IOException {
        Future<T> f;
        try {
            f = executor.submit(task);
        } catch (RejectedExecutionException e) {
            throw new IOException("the reload thread is stopped (the control plane is closing)", e);
        }
        try {
            return getUninterruptibly(f);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    /**
     * Runs {@code task} on this thread after what is queued before it, without waiting for it:
     * work that takes a while and must not compete with the event loops (a table image's write).
     * The task handles and logs its own failures. Once the thread is stopped, the task is dropped
     * and a {@code background_task_dropped} event says so.
     */
    public void submit(String what, Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            events.event(EventLog.Level.WARN, "background_task_dropped", Map.of("task", what,
                    "reason", "the reload thread is stopped (the control plane is closing)"));
        }
    }

    @Override
    public void close() {
        executor.shutdown();
    }

    private static <T> T getUninterruptibly(Future<T> f) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs on the thread itself. Never throws: a failure is logged, and the reloads are paced. */
    private static boolean lowerOwnPriority(String priority, List<String> lower, EventLog events) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("thread", NAME);
        f.put("priority", priority);
        try {
            String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString(); // PID/task/TID
            f.put("tid", tid);
            if (!lower.isEmpty()) {
                List<String> command = new ArrayList<>(lower);
                command.add(tid);
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                boolean exited = p.waitFor(10, TimeUnit.SECONDS);
                if (!exited || p.exitValue() != 0) {
                    p.destroy();
                    throw new IOException(String.join(" ", command) + " failed ("
                            + (exited ? "exit " + p.exitValue() : "timed out") + ")" + (output.isEmpty() ? "" : ": " + output));
                }
            }
            SchedStat now = SchedStat.ofThisThread();
            f.put("nice", now.nice());
            f.put("policy", now.policyName());
            boolean lowered = now.isBackground();
            if (!lower.isEmpty() && !lowered) {
                throw new IOException("the priority is unchanged after " + String.join(" ", lower));
            }
            f.put("paced", !lowered);
            events.event(EventLog.Level.INFO, "reload_thread_started", f);
            return lowered;
        } catch (IOException | RuntimeException e) {
            return notLowered(events, f, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return notLowered(events, f, e);
        }
    }

    private static boolean notLowered(EventLog events, Map<String, Object> f, Exception e) {
        f.put("error", e.toString());
        f.put("detail", "the OS runs sites-file reloads at normal priority, beside the event loops:"
                + " they are paced instead (half a core at most), and take longer");
        events.event(EventLog.Level.WARN, "reload_priority_not_lowered", f);
        return false;
    }

    /** The scheduling of the calling thread, from {@code /proc/thread-self/stat} (Linux). */
    record SchedStat(int nice, int policy) {
        private static final int SCHED_BATCH = 3;
        private static final int SCHED_IDLE = 5;

        static SchedStat ofThisThread() throws IOException {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.US_ASCII);
            // after the name in parentheses (which may hold spaces) come fields 3, 4, …: nice is 19, policy 41
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return new SchedStat(Integer.parseInt(fields[19 - 3]), Integer.parseInt(fields[41 - 3]));
        }

        boolean isBackground() {
            return policy == SCHED_IDLE;
        }

        String policyName() {
            return switch (policy) {
                case 0 -> "SCHED_OTHER";
                case SCHED_BATCH -> "SCHED_BATCH";
                case SCHED_IDLE -> "SCHED_IDLE";
                default -> String.valueOf(policy);
            };
        }
    }
}

package io.predictor.admin.state;

import java.io.Closeable;
import java.io.IOException;

/**
 * Where runtime changes are made durable: the source of truth the table is derived from. The
 * file journal is the embedded default; a fleet store (etcd) implements the same contract.
 *
 * <p>Call {@link #load()} once, then {@link #append} for each new revision, in order.
 */
public interface StateStore extends Closeable {

    /** What survived: every change still needed, in revision order, and the last revision. */
    record Recovered(java.util.List<ChangeRecord> changes, long revision) {
        public Recovered {
            changes = java.util.List.copyOf(changes);
        }
    }

    /** Reads what is stored, repairing a torn tail (never an acknowledged record). */
    Recovered load() throws IOException;

    /**
     * Makes {@code change} durable; returns only once it survives a crash or power loss. Its
     * revision must be exactly one more than the last. After a failure the store refuses further
     * appends: what reached the disk is unknown until the next {@link #load()}.
     */
    void append(ChangeRecord change) throws IOException;
}

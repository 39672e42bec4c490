package io.predictor.admin.state;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where runtime changes are made durable: the source of truth the table is derived from. The
 * file journal is the embedded default; the fleet store (etcd) implements the same contract and
 * also delivers the changes other proxies made.
 *
 * <p>Call {@link #load()} once, then {@link #start} (a fleet store begins delivering remote
 * changes), then {@link #append} for each new revision, in order.
 */
public interface StateStore extends Closeable {

    /** What survived: every change still needed, in revision order, and the last revision. */
    record Recovered(List<ChangeRecord> changes, long revision) {
        public Recovered {
            changes = List.copyOf(changes);
        }
    }

    /** What a fleet store needs from the proxy it runs in. */
    interface LocalMember {

        /**
         * Applies changes other members committed, in revision order, each exactly one more than
         * the last applied (records at or below it are skipped). Called on one thread.
         */
        void applyRemote(List<ChangeRecord> changes);

        /** What this member tells the fleet: the revision it serves and its pending drains. */
        MemberReport report();

        /** Another member's barrier timed out with {@code close=true}: close what revision R waits for. */
        void closeRequested(long revision);
    }

    /** Reads what is stored, repairing a torn tail (never an acknowledged record). */
    Recovered load() throws IOException;

    /**
     * Makes {@code change} durable; returns only once it survives a crash or power loss (file) or
     * is committed by the fleet's store (etcd). Its revision must be exactly one more than the
     * last. A file store refuses further appends after a failure: what reached the disk is
     * unknown until the next {@link #load()}.
     *
     * @throws StaleRevisionException    another member committed that revision first (fleet store)
     * @throws StoreUnavailableException the store cannot be reached; nothing was acknowledged
     */
    void append(ChangeRecord change) throws IOException;

    /** Starts delivering remote changes to {@code member} (after {@link #load()}). A file store has none. */
    default void start(LocalMember member) {
    }

    /** Which store this is and whether it can take changes now. */
    default StoreStatus status() {
        return StoreStatus.FILE;
    }

    /** The fleet this store is shared with; empty for a proxy on its own (the file store). */
    default Optional<Fleet> fleet() {
        return Optional.empty();
    }
}

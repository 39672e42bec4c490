package io.predictor.admin.service;

import io.predictor.admin.state.ChangeRecord;

/**
 * What the control plane tells its metrics (SPEC §7): each change made durable and visible,
 * each reload's outcome, each write the state store refused, each drain barrier's outcome.
 * Called on the thread that made the change, after the fact; must not block or throw.
 * {@link #NONE} ignores everything.
 */
public interface ServiceObserver {

    /** How a drain barrier ended. */
    enum BarrierOutcome {
        /** Nothing routed by the previous state was left in flight before the timeout. */
        DRAINED("drained"),
        /** The timeout passed first; the change stayed in force and the answer was 504. */
        TIMEOUT("timeout"),
        /** The timeout passed first and {@code close=true} cut what was left. */
        CLOSED("closed");

        private final String wireName;

        BarrierOutcome(String wireName) {
            this.wireName = wireName;
        }

        /** The {@code result} label. */
        public String wireName() {
            return wireName;
        }
    }

    /** A change was made durable, published and audited (every acknowledged change, reloads included). */
    default void committed(ChangeRecord change) {
    }

    /** A reload (SIGHUP or {@code POST /api/v1/reload}) ended: taken, or refused with the old table kept. */
    default void reloaded(boolean ok) {
    }

    /** The state store could not make a change durable (the change was refused). */
    default void storeFailed() {
    }

    /** A drain barrier ended. */
    default void barrier(BarrierOutcome outcome) {
    }

    ServiceObserver NONE = new ServiceObserver() {
    };
}

package io.predictor.admin.log;

import io.predictor.admin.state.ChangeRecord;

/** Where every acknowledged change is recorded: who (token name or fingerprint), what, before, after, revision. */
public interface AuditLog {

    void record(ChangeRecord change);

    /**
     * A change this proxy took whose caller was answered "not acknowledged" (the state store did
     * not say whether it committed it), found committed later: in force, so audited, and marked.
     */
    default void recordUnacknowledged(ChangeRecord change) {
        record(change);
    }
}

package io.predictor.admin.log;

import io.predictor.admin.state.ChangeRecord;

/** Where every acknowledged change is recorded: who (token name or fingerprint), what, before, after, revision. */
public interface AuditLog {

    void record(ChangeRecord change);
}

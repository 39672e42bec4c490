package io.predictor.admin.state;

import java.time.Instant;
import java.util.Objects;

/**
 * One journalled revision: the unit the {@link StateStore} makes durable, history pages and the
 * audit log records.
 *
 * @param revision the global revision this change created (1, 2, …; strictly increasing)
 * @param time     when it was accepted, to the millisecond (what the journal and etcd keep, so that
 *                 every proxy of a fleet shows the same history)
 * @param who      the token's name or fingerprint, or the signal that caused it; never a token
 * @param forced   true when {@code "force": true} let it bypass the state machine (SPEC §1)
 */
public record ChangeRecord(long revision, Instant time, String who, boolean forced, Change change) {
    public ChangeRecord {
        if (revision < 1) {
            throw new IllegalArgumentException("revision must be positive: " + revision);
        }
        time = time.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Objects.requireNonNull(who);
        Objects.requireNonNull(change);
    }
}

package io.predictor.admin.state;

import java.io.IOException;

/**
 * The fleet committed the revision this change was meant to take (another proxy won the
 * compare-and-swap). Nothing was written; the caller catches up to {@link #fleetRevision()},
 * validates the change again against that state, and retries.
 */
public final class StaleRevisionException extends IOException {

    private final long fleetRevision;

    public StaleRevisionException(long attempted, long fleetRevision) {
        super("revision " + attempted + " was taken: the fleet is at revision " + fleetRevision);
        this.fleetRevision = fleetRevision;
    }

    /** The revision the fleet is known to be at (at least). */
    public long fleetRevision() {
        return fleetRevision;
    }
}

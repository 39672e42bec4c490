package io.predictor.admin.state;

import java.io.IOException;

/**
 * The state store cannot be reached (etcd down, paused or partitioned away): the change was not
 * acknowledged. The admin API answers 503 {@code state_store_unavailable}; traffic goes on by
 * the last applied state.
 */
public final class StoreUnavailableException extends IOException {

    private final boolean mayHaveCommitted;

    public StoreUnavailableException(String message) {
        this(message, null, false);
    }

    public StoreUnavailableException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * @param mayHaveCommitted the store got the change but did not say whether it committed it
     *                         (etcd timed out, or lost its leader): it may be in force later
     */
    public StoreUnavailableException(String message, Throwable cause, boolean mayHaveCommitted) {
        super(message, cause);
        this.mayHaveCommitted = mayHaveCommitted;
    }

    /** Whether the change may be committed all the same, and arrive later as a change of the store. */
    public boolean mayHaveCommitted() {
        return mayHaveCommitted;
    }
}

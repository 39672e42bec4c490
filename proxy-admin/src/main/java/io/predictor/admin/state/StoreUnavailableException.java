package io.predictor.admin.state;

import java.io.IOException;

/**
 * The state store cannot be reached (etcd down, paused or partitioned away): the change was not
 * acknowledged. The admin API answers 503 {@code state_store_unavailable}; traffic goes on by
 * the last applied state.
 */
public final class StoreUnavailableException extends IOException {

    public StoreUnavailableException(String message) {
        super(message);
    }

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

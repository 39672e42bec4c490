package io.predictor.admin.service;

import java.util.List;
import java.util.Objects;

/** A change the service refused before anything was written; {@link Reason} says which rule. */
public final class ChangeRefusedException extends Exception {

    /** Why a change was refused; the admin API maps each to its status code. */
    public enum Reason {
        /** A name or value that can never be valid (400). */
        INVALID,
        /** The site or group is not in the table (404). */
        NOT_FOUND,
        /** A direct legacy ⇄ migrated jump without {@code force} (409). */
        TRANSITION,
        /** The current state is not the one the caller said to {@code expect} (409). */
        EXPECT,
        /** {@code If-Match} named a revision the table has moved on from (412). */
        PRECONDITION,
        /** The sites file has errors; {@link #details()} lists them (422). */
        SITES_FILE,
        /** Other proxies of the fleet kept taking the next revision; nothing was changed (409). */
        CONFLICT,
        /** A reload needed more heap than the JVM has; the table in service stays (503). */
        HEAP
    }

    private final Reason reason;
    private final List<String> details;

    public ChangeRefusedException(Reason reason, String message) {
        this(reason, message, List.of());
    }

    public ChangeRefusedException(Reason reason, String message, List<String> details) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
        this.details = List.copyOf(details);
    }

    public Reason reason() {
        return reason;
    }

    /** Every individual problem (the sites file's {@code FILE:LINE: message} lines), or empty. */
    public List<String> details() {
        return details;
    }
}

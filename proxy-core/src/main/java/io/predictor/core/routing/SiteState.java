package io.predictor.core.routing;

import java.util.Locale;

/** The four states of a site (SPEC §1), as written in the sites file and the admin API. */
public enum SiteState {
    LEGACY("legacy"),
    MIGRATED("migrated"),
    MAINTENANCE("maintenance"),
    HOLD("hold");

    private static final SiteState[] BY_CODE = values();

    private final String wireName;

    SiteState(String wireName) {
        this.wireName = wireName;
    }

    /** The lower-case name used in files, JSON and metric labels. */
    public String wireName() {
        return wireName;
    }

    /** Compact code stored in the table's byte arrays. */
    public byte code() {
        return (byte) ordinal();
    }

    public static SiteState ofCode(int code) {
        return BY_CODE[code];
    }

    /** Parses a wire name, or returns null when it names no state. */
    public static SiteState parse(String name) {
        if (name == null) {
            return null;
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "legacy": return LEGACY;
            case "migrated": return MIGRATED;
            case "maintenance": return MAINTENANCE;
            case "hold": return HOLD;
            default: return null;
        }
    }

    /**
     * Whether moving from this state to {@code next} is allowed without {@code force}. The only
     * refused moves are the direct jumps between the two serving states: they must pass through
     * maintenance or hold, which is what keeps writes from landing on both sides (SPEC §1).
     */
    public boolean canMoveTo(SiteState next) {
        return !((this == LEGACY && next == MIGRATED) || (this == MIGRATED && next == LEGACY));
    }

    /** Where a request for a site in this state goes. */
    public Route route() {
        switch (this) {
            case LEGACY: return Route.LEGACY;
            case MIGRATED: return Route.LOCAL;
            case MAINTENANCE: return Route.MAINTENANCE;
            default: return Route.HOLD;
        }
    }
}

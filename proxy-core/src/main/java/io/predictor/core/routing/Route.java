package io.predictor.core.routing;

/**
 * Where one request goes: the value {@link Router#route} returns. {@code wireName} is the
 * {@code route} label of the metrics (SPEC §7).
 */
public enum Route {
    /** The new datacentre's pool ({@code pools.local}). */
    LOCAL("local"),
    /** The old datacentre's load balancer ({@code pools.legacy}). */
    LEGACY("legacy"),
    /** Answered by the proxy itself: 503, Retry-After and a small page. */
    MAINTENANCE("maintenance"),
    /** Parked until the site's next state or {@code timeouts.hold}. */
    HOLD("hold");

    private final String wireName;

    Route(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether this route forwards to an upstream pool. */
    public boolean isForwarded() {
        return this == LOCAL || this == LEGACY;
    }
}

package io.predictor.core.server;

import io.predictor.core.routing.RoutingSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Which in-flight exchanges a drain barrier waits for: given the snapshot that routed an
 * exchange and its normalised routing host (bytes {@code [0, length)}), whether it belongs to the
 * sites a change affected. Asked on the event loops, for every exchange in flight, at every poll
 * of every pending barrier: an implementation must not allocate.
 */
@FunctionalInterface
public interface SiteMatcher {

    boolean matches(RoutingSnapshot routedBy, byte[] host, int length);

    /** Every exchange (used for totals and shutdown). */
    SiteMatcher ALL = (s, h, n) -> true;

    /** The exchanges for exactly this normalised host name. */
    static SiteMatcher host(String name) {
        byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
        return (s, h, n) -> Arrays.equals(h, 0, n, b, 0, b.length);
    }

    /** The exchanges for any name under {@code dotSuffix} (".example.com"), not the suffix itself. */
    static SiteMatcher under(String dotSuffix) {
        byte[] b = dotSuffix.getBytes(StandardCharsets.ISO_8859_1);
        return (s, h, n) -> n > b.length && Arrays.equals(h, n - b.length, n, b, 0, b.length);
    }
}

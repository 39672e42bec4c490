package io.predictor.admin.state;

import java.util.Map;
import java.util.Objects;

/**
 * The state store as {@code /api/v1/status} shows it ({@code "store":{"kind":..,"available":..}})
 * and as a metric reads it.
 *
 * @param kind      {@code file} or {@code etcd}
 * @param available whether a change can be committed now
 * @param details   extra fields for the status, in display order (endpoints, since, error, …)
 */
public record StoreStatus(String kind, boolean available, Map<String, Object> details) {

    public static final StoreStatus FILE = new StoreStatus("file", true, Map.of());

    public StoreStatus {
        Objects.requireNonNull(kind);
        details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
    }
}

package io.predictor.admin.api;

import io.predictor.admin.service.DataPlane;
import io.predictor.admin.service.ServiceObserver;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the admin API needs besides the site service.
 *
 * @param tokens        the tokens file in force; null only on a loopback bind (no authentication)
 * @param ready         true once listeners are bound and the table is loaded, false while draining
 * @param version       the program version for {@code /api/v1/status}
 * @param dataPlane     in-flight exchanges and traffic, for the drain barrier and the group view
 * @param observer      told how each drain barrier ended (the metrics)
 * @param metrics       the Prometheus text exposition {@code GET /metrics} answers (SPEC §7)
 */
public record AdminOptions(AdminTokens tokens, BooleanSupplier ready, String version, DataPlane dataPlane,
        ServiceObserver observer, Supplier<String> metrics) {
    public AdminOptions {
        Objects.requireNonNull(ready);
        Objects.requireNonNull(version);
        Objects.requireNonNull(dataPlane);
        Objects.requireNonNull(observer);
        Objects.requireNonNull(metrics);
    }

    /** Without metrics: nothing observed, an empty exposition. */
    public AdminOptions(AdminTokens tokens, BooleanSupplier ready, String version, DataPlane dataPlane) {
        this(tokens, ready, version, dataPlane, ServiceObserver.NONE, () -> "");
    }
}

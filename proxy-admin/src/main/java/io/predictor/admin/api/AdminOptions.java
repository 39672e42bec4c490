package io.predictor.admin.api;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import io.predictor.admin.service.DataPlane;

/**
 * What the admin API needs besides the site service.
 *
 * @param tokens        the tokens file in force; null only on a loopback bind (no authentication)
 * @param ready         true once listeners are bound and the table is loaded, false while draining
 * @param version       the program version for {@code /api/v1/status}
 * @param dataPlane     in-flight exchanges and traffic, for the drain barrier and the group view
 */
public record AdminOptions(AdminTokens tokens, BooleanSupplier ready, String version, DataPlane dataPlane) {
    public AdminOptions {
        Objects.requireNonNull(ready);
        Objects.requireNonNull(version);
        Objects.requireNonNull(dataPlane);
    }
}

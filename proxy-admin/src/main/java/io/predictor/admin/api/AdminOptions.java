package io.predictor.admin.api;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;

/**
 * What the admin API needs besides the site service.
 *
 * @param tokens        the tokens file in force; null only on a loopback bind (no authentication)
 * @param ready         true once listeners are bound and the table is loaded, false while draining
 * @param version       the program version for {@code /api/v1/status}
 * @param groupInflight requests and connections in flight for a group's sites (0 until the data plane counts them)
 */
public record AdminOptions(AdminTokens tokens, BooleanSupplier ready, String version,
        ToLongFunction<String> groupInflight) {
    public AdminOptions {
        Objects.requireNonNull(ready);
        Objects.requireNonNull(version);
        Objects.requireNonNull(groupInflight);
    }
}

package io.predictor.admin.api;

import io.predictor.admin.service.DataPlane;
import io.predictor.admin.service.ServiceObserver;
import io.predictor.admin.state.Fleet;
import io.predictor.admin.state.StoreStatus;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the admin API needs besides the site service.
 *
 * @param tokens        the tokens file in force; null only on a loopback bind (no authentication)
 * @param ready         true once listeners are bound and the table is loaded, false while draining
 * @param version       the program version for {@code /api/v1/status}
 * @param dataPlane     in-flight exchanges and traffic, for the drain barrier and the group view
 * @param store         the state store's kind and availability, for the status and the fleet view
 * @param fleet         the fleet this proxy belongs to (etcd store); empty for a proxy on its own
 * @param instance      this proxy's name (the fleet view of a proxy on its own shows it)
 * @param observer      told how each drain barrier ended (the metrics)
 * @param metrics       the Prometheus text exposition {@code GET /metrics} answers (SPEC §7)
 */
public record AdminOptions(AdminTokens tokens, BooleanSupplier ready, String version, DataPlane dataPlane,
        Supplier<StoreStatus> store, Optional<Fleet> fleet, String instance, ServiceObserver observer,
        Supplier<String> metrics) {
    public AdminOptions {
        Objects.requireNonNull(ready);
        Objects.requireNonNull(version);
        Objects.requireNonNull(dataPlane);
        Objects.requireNonNull(store);
        Objects.requireNonNull(fleet);
        Objects.requireNonNull(instance);
        Objects.requireNonNull(observer);
        Objects.requireNonNull(metrics);
    }

    /** A proxy on its own with the file store, without metrics. */
    public AdminOptions(AdminTokens tokens, BooleanSupplier ready, String version, DataPlane dataPlane) {
        this(tokens, ready, version, dataPlane, () -> StoreStatus.FILE, Optional.empty(), "predictor",
                ServiceObserver.NONE, () -> "");
    }
}

package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeJson;
import io.predictor.admin.service.SiteService;
import io.predictor.core.routing.RoutingSnapshot;
import java.lang.management.ManagementFactory;
import io.predictor.admin.state.StoreStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** {@code /healthz}, {@code /readyz} and {@code /api/v1/status}. */
final class StatusEndpoint {

    private final SiteService sites;
    private final BooleanSupplier ready;
    private final String version;
    private final Supplier<StoreStatus> store;

    StatusEndpoint(SiteService sites, BooleanSupplier ready, String version, Supplier<StoreStatus> store) {
        this.sites = sites;
        this.ready = ready;
        this.version = version;
        this.store = store;
    }

    AdminResponse health() {
        return AdminResponse.ok(new JsonObject().put("status", "ok"));
    }

    AdminResponse readiness() throws ApiException {
        if (!ready.getAsBoolean()) {
            throw new ApiException(503, "not_ready", "starting up or draining");
        }
        return AdminResponse.ok(new JsonObject().put("status", "ready"));
    }

    AdminResponse status() {
        RoutingSnapshot s = sites.snapshot();
        return AdminResponse.ok(new JsonObject()
                .put("revision", s.revision())
                .put("sites", ChangeJson.counts(Change.StateCounts.of(s.countsByState())))
                .put("version", version)
                .put("uptime_s", ManagementFactory.getRuntimeMXBean().getUptime() / 1000)
                .put("store", store(store.get())))
                .withRevisionTag(s.revision());
    }

    /** {@code {"kind":"etcd","available":false,...}}: traffic is served either way; changes need the store. */
    static Map<String, Object> store(StoreStatus st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", st.kind());
        m.put("available", st.available());
        m.putAll(st.details());
        return m;
    }
}

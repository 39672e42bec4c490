package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.state.Fleet;
import io.predictor.admin.state.StoreStatus;
import io.predictor.admin.state.StoreUnavailableException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/fleet}: the proxies sharing this one's state, each with the revision it has
 * applied, its lag behind the fleet's revision, when it last reported and the barriers still
 * pending there. A proxy on its own (file store) lists itself alone.
 */
final class FleetEndpoint {

    private final SiteService sites;
    private final Supplier<StoreStatus> store;
    private final Optional<Fleet> fleet;
    private final String instance;

    FleetEndpoint(SiteService sites, Supplier<StoreStatus> store, Optional<Fleet> fleet, String instance) {
        this.sites = sites;
        this.store = store;
        this.fleet = fleet;
        this.instance = instance;
    }

    AdminResponse get(AdminRequest req) throws ApiException {
        req.allowParams();
        long applied = sites.revision();
        StoreStatus status = store.get();
        JsonObject body = new JsonObject().put("store", status.kind()).put("available", status.available());
        if (fleet.isEmpty()) {
            body.put("instance", instance).put("revision", applied).put("members",
                    List.of(new JsonObject().put("instance", instance).put("revision", applied).put("lag", 0)
                            .put("self", true)));
            return AdminResponse.ok(body).withRevisionTag(applied);
        }
        Fleet f = fleet.get();
        List<Fleet.Member> members;
        try {
            members = f.members();
        } catch (StoreUnavailableException e) {
            throw new ApiException(503, "state_store_unavailable", e.getMessage());
        } catch (IOException e) {
            throw new ApiException(503, "state_store_unavailable", e.toString());
        }
        long fleetRevision = f.revision();
        for (Fleet.Member m : members) {
            fleetRevision = Math.max(fleetRevision, m.report().revision());
        }
        List<Object> list = new ArrayList<>();
        for (Fleet.Member m : members) {
            List<Object> pend = new ArrayList<>();
            m.report().pending().forEach((rev, c) -> pend.add(new JsonObject().put("revision", rev)
                    .put("inflight", c.total()).put("inflight_by_route", SitesEndpoint.byRoute(c))));
            list.add(new JsonObject().put("instance", m.instance()).put("revision", m.report().revision())
                    .put("lag", fleetRevision - m.report().revision()).put("updated", m.updated().toString())
                    .put("self", m.instance().equals(f.instance())).put("pending", pend));
        }
        body.put("instance", f.instance()).put("revision", fleetRevision).put("applied", applied)
                .put("members", list);
        return AdminResponse.ok(body).withRevisionTag(applied);
    }
}

package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.state.Fleet;
import io.predictor.admin.state.StoreStatus;
import io.predictor.admin.state.StoreUnavailableException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/fleet}: the proxies sharing this one's state, each with the revision it has
 * applied, its lag behind the fleet's revision, when it last reported and the barriers still
 * pending there; a registered member without a live key as {@code "live":false}. A proxy on its
 * own (file store) lists itself alone. {@code DELETE /api/v1/fleet/members/NAME} forgets a
 * member that is gone for good, so that drain barriers stop waiting for it.
 */
final class FleetEndpoint {

    static final String MEMBERS = "/api/v1/fleet/members";

    private final SiteService sites;
    private final Supplier<StoreStatus> store;
    private final Optional<Fleet> fleet;
    private final String instance;
    private final EventLog events;

    FleetEndpoint(SiteService sites, Supplier<StoreStatus> store, Optional<Fleet> fleet, String instance,
            EventLog events) {
        this.sites = sites;
        this.store = store;
        this.fleet = fleet;
        this.instance = instance;
        this.events = events;
    }

    /**
     * Forgets a registered member that is not live: 200 {@code {"instance":..,"forgotten":true}};
     * 404 when no such member is registered (or there is no fleet); 409 when it is live.
     */
    AdminResponse forget(AdminRequest req, String name, String who) throws ApiException {
        req.allowParams();
        if (fleet.isEmpty()) {
            throw new ApiException(404, "not_found", "this proxy is not in a fleet (state.store is not etcd)");
        }
        boolean forgotten;
        try {
            forgotten = fleet.get().forget(name);
        } catch (IllegalStateException e) {
            throw new ApiException(409, "member_live", e.getMessage());
        } catch (IOException e) {
            throw new ApiException(503, "state_store_unavailable", e.getMessage());
        }
        if (!forgotten) {
            throw new ApiException(404, "not_found", "no registered member " + name);
        }
        events.event(EventLog.Level.WARN, "fleet_member_forgotten", Map.of("instance", name, "who", who,
                "detail", "drain barriers no longer wait for it; it registers again if it starts"));
        return AdminResponse.ok(new JsonObject().put("instance", name).put("forgotten", true));
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
            if (m.live() && !m.diverged()) { // a diverged member's numbers are another history's
                fleetRevision = Math.max(fleetRevision, m.report().revision());
            }
        }
        List<Object> list = new ArrayList<>();
        for (Fleet.Member m : members) {
            JsonObject o = new JsonObject().put("instance", m.instance()).put("live", m.live());
            if (m.live()) {
                List<Object> pend = new ArrayList<>();
                m.report().pending().forEach((rev, c) -> pend.add(new JsonObject().put("revision", rev)
                        .put("inflight", c.total()).put("inflight_by_route", SitesEndpoint.byRoute(c))));
                o.put("revision", m.report().revision()).put("lag", m.diverged() ? null : fleetRevision - m.report().revision())
                        .put("diverged", m.diverged()).put("updated", m.updated().toString()).put("pending", pend);
            } else {
                // registered, no live key: crashed, cut off from etcd, or not re-registered yet
                o.put("revision", null).put("lag", null).put("registered", m.updated().toString());
            }
            list.add(o.put("self", m.instance().equals(f.instance())));
        }
        body.put("instance", f.instance()).put("revision", fleetRevision).put("applied", applied)
                .put("members", list);
        return AdminResponse.ok(body).withRevisionTag(applied);
    }
}

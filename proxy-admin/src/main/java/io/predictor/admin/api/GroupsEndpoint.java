package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeJson;
import io.predictor.core.routing.RoutingSnapshot;
import java.io.IOException;
import io.predictor.admin.service.DataPlane;
import io.predictor.admin.service.DrainBarrier;
import io.predictor.core.server.InflightCount;

/** {@code /api/v1/groups/{group}}: the group's sites by state, and the atomic flip of all of them. */
final class GroupsEndpoint {

    private final SiteService sites;
    private final DataPlane dataPlane;

    GroupsEndpoint(SiteService sites, DataPlane dataPlane) {
        this.sites = sites;
        this.dataPlane = dataPlane;
    }

    AdminResponse get(AdminRequest req, String group) throws ApiException {
        req.allowParams();
        RoutingSnapshot s = sites.snapshot();
        Change.StateCounts counts = Change.StateCounts.of(s.groupCountsByState(group));
        if (counts.total() == 0) {
            throw new ApiException(404, "not_found", "group " + group + " has no sites");
        }
        InflightCount inflight = SitesEndpoint.inflight(dataPlane, DrainBarrier.group(group));
        long lastMinute = dataPlane.groupRequestsLastMinute(s.base(), group).join();
        return AdminResponse.ok(new JsonObject().put("group", group).put("sites", ChangeJson.counts(counts))
                .put("inflight", inflight.total()).put("inflight_by_route", SitesEndpoint.byRoute(inflight))
                .put("requests_last_minute", lastMinute)).withRevisionTag(s.revision());
    }

    AdminResponse put(AdminRequest req, String group, String who) throws ApiException, ChangeRefusedException,
            IOException {
        req.allowParams(DrainParams.NAMES);
        RequestBody body = RequestBody.parse(req.body(), "state", "expect", "force");
        SiteService.GroupResult r = sites.putGroup(group, body.state("state", true),
                SitesEndpoint.preconditions(req, body), who);
        return AdminResponse.ok(new JsonObject().put("group", r.group()).put("sites", r.sites())
                .put("revision", r.revision())).withRevisionTag(r.revision());
    }
}

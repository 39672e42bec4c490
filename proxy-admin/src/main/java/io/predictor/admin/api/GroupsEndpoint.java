package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeJson;
import io.predictor.core.routing.RoutingSnapshot;
import java.io.IOException;
import java.util.function.ToLongFunction;

/** {@code /api/v1/groups/{group}}: the group's sites by state, and the atomic flip of all of them. */
final class GroupsEndpoint {

    private final SiteService sites;
    private final ToLongFunction<String> inflight;

    GroupsEndpoint(SiteService sites, ToLongFunction<String> inflight) {
        this.sites = sites;
        this.inflight = inflight;
    }

    AdminResponse get(AdminRequest req, String group) throws ApiException {
        req.allowParams();
        RoutingSnapshot s = sites.snapshot();
        Change.StateCounts counts = Change.StateCounts.of(s.groupCountsByState(group));
        if (counts.total() == 0) {
            throw new ApiException(404, "not_found", "group " + group + " has no sites");
        }
        return AdminResponse.ok(new JsonObject().put("group", group).put("sites", ChangeJson.counts(counts))
                .put("inflight", inflight.applyAsLong(group))).withRevisionTag(s.revision());
    }

    AdminResponse put(AdminRequest req, String group, String who) throws ApiException, ChangeRefusedException,
            IOException {
        req.allowParams();
        RequestBody body = RequestBody.parse(req.body(), "state", "expect", "force");
        SiteService.GroupResult r = sites.putGroup(group, body.state("state", true),
                SitesEndpoint.preconditions(req, body), who);
        return AdminResponse.ok(new JsonObject().put("group", r.group()).put("sites", r.sites())
                .put("revision", r.revision())).withRevisionTag(r.revision());
    }
}

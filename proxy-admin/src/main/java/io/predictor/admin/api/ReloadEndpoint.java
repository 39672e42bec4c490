package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.Preconditions;
import io.predictor.admin.service.SiteService;
import java.io.IOException;

/**
 * {@code POST /api/v1/reload}: re-read the sites file, keep runtime changes on top; 422 listing
 * every error, 503 {@code insufficient_heap} when the new table does not fit. With
 * {@code ?wait=drained}, answers when nothing the reload moved to another route is in flight.
 */
final class ReloadEndpoint {

    private final SiteService sites;

    ReloadEndpoint(SiteService sites) {
        this.sites = sites;
    }

    AdminResponse post(AdminRequest req, String who) throws ApiException, ChangeRefusedException, IOException {
        req.allowParams(DrainParams.NAMES);
        RequestBody.parse(req.body());
        SiteService.ReloadResult r = sites.reload(new Preconditions(req.ifMatchRevision(), null, false), who);
        JsonObject body = new JsonObject().put("revision", r.revision()).put("sites", r.sites())
                .put("rebuilt", r.differences() == null);
        if (r.differences() != null) {
            body.put("added", r.differences().added()).put("changed", r.differences().changed())
                    .put("removed", r.differences().removed());
        }
        return AdminResponse.ok(body).withRevisionTag(r.revision());
    }
}

package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.Preconditions;
import io.predictor.admin.service.SiteService;
import java.io.IOException;

/** {@code POST /api/v1/reload}: re-read the sites file, keep runtime changes on top; 422 listing every error. */
final class ReloadEndpoint {

    private final SiteService sites;

    ReloadEndpoint(SiteService sites) {
        this.sites = sites;
    }

    AdminResponse post(AdminRequest req, String who) throws ApiException, ChangeRefusedException, IOException {
        req.allowParams();
        RequestBody.parse(req.body());
        SiteService.ReloadResult r = sites.reload(new Preconditions(req.ifMatchRevision(), null, false), who);
        return AdminResponse.ok(new JsonObject().put("revision", r.revision()).put("sites", r.sites()))
                .withRevisionTag(r.revision());
    }
}

package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.History;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.state.ChangeJson;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /api/v1/history?since=REV&limit=N}: changes after revision REV, oldest first, with a {@code next} cursor. */
final class HistoryEndpoint {

    private final SiteService sites;

    HistoryEndpoint(SiteService sites) {
        this.sites = sites;
    }

    AdminResponse get(AdminRequest req) throws ApiException {
        req.allowParams("since", "limit");
        long since = 0;
        String s = req.param("since");
        if (s != null && !s.isEmpty()) {
            try {
                since = Long.parseLong(s);
            } catch (NumberFormatException e) {
                since = -1;
            }
            if (since < 0) {
                throw ApiException.badRequest("since must be a revision (a whole number, 0 or more)");
            }
        }
        int limit = SitesEndpoint.limit(req.param("limit"), SitesEndpoint.DEFAULT_LIMIT, SitesEndpoint.MAX_LIMIT);
        History.Page page = sites.history(since, limit);
        List<Object> changes = new ArrayList<>(page.changes().size());
        page.changes().forEach(r -> changes.add(ChangeJson.fields(r)));
        return AdminResponse.ok(new JsonObject().put("changes", changes).put("next", page.next()));
    }
}

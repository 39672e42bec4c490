package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.History;
import io.predictor.admin.service.SiteNames;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.state.ChangeRecord;
import io.predictor.admin.state.ChangeJson;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * {@code GET /api/v1/history?since=REV&limit=N}: changes after revision REV, oldest first, with a
 * {@code next} cursor; {@code &group=G} keeps the changes that concern a group, {@code &host=H}
 * those of one site's own entry.
 */
final class HistoryEndpoint {

    private final SiteService sites;

    HistoryEndpoint(SiteService sites) {
        this.sites = sites;
    }

    AdminResponse get(AdminRequest req) throws ApiException {
        req.allowParams("since", "limit", "group", "host");
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
        String group = req.param("group");
        String host = req.param("host");
        if (group != null && !group.isEmpty() && host != null && !host.isEmpty()) {
            throw ApiException.badRequest("give group or host, not both");
        }
        Predicate<ChangeRecord> filter = null;
        if (group != null && !group.isEmpty()) {
            filter = History.ofGroup(group);
        } else if (host != null && !host.isEmpty()) {
            String name = SiteNames.host(host);
            if (name == null) {
                throw ApiException.badRequest("invalid host '" + host + "'");
            }
            filter = History.ofSite(name);
        }
        History.Page page = sites.history(since, limit, filter);
        List<Object> changes = new ArrayList<>(page.changes().size());
        page.changes().forEach(r -> changes.add(ChangeJson.fields(r)));
        JsonObject body = new JsonObject().put("changes", changes).put("next", page.next());
        if (since + 1 < page.completeFrom()) {
            // changes after `since` were compacted away (a restart keeps what decides each site's
            // state, and the newest 10,000) or trimmed: say so, rather than page over the gap
            body.put("gap", true).put("complete_from", page.completeFrom()).put("detail", "changes between revision "
                    + (since + 1) + " and " + (page.completeFrom() - 1) + " are not all kept; the current state of"
                    + " every site is in GET /api/v1/sites");
        }
        return AdminResponse.ok(body);
    }
}

package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.SiteService;
import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeJson;
import io.predictor.core.routing.GroupCounts;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import java.io.IOException;
import io.predictor.admin.service.DataPlane;
import io.predictor.admin.service.DrainBarrier;
import io.predictor.core.server.InflightCount;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code /api/v1/groups} (a page of groups, ordered by name, with their sites by state) and
 * {@code /api/v1/groups/{group}}: the group's sites by state, and the atomic flip of all of them.
 */
final class GroupsEndpoint {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final SiteService sites;
    private final DataPlane dataPlane;

    GroupsEndpoint(SiteService sites, DataPlane dataPlane) {
        this.sites = sites;
        this.dataPlane = dataPlane;
    }

    /**
     * {@code ?q=&state=&limit=&after=}: groups whose name contains {@code q} (ignoring case) and,
     * with {@code state}, that have at least one site in it; {@code matched} counts them all.
     * From the snapshot's group counts (built once per revision): no data-plane call, so a page of
     * 10,000 filers costs one scan of their names.
     */
    AdminResponse list(AdminRequest req) throws ApiException {
        req.allowParams("q", "state", "limit", "after");
        String q = req.param("q");
        String needle = q == null || q.isEmpty() ? null : q.toLowerCase(Locale.ROOT);
        SiteState state = null;
        String stateName = req.param("state");
        if (stateName != null && !stateName.isEmpty()) {
            state = SiteState.parse(stateName);
            if (state == null) {
                throw ApiException.badRequest("unknown state '" + stateName
                        + "'; expected one of legacy, migrated, maintenance, hold");
            }
        }
        String after = req.param("after");
        int limit = SitesEndpoint.limit(req.param("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        RoutingSnapshot s = sites.snapshot();
        GroupCounts all = s.groupCounts();
        int start = all.firstAfter(after == null || after.isEmpty() ? null : after);
        List<Object> page = new ArrayList<>(Math.min(limit, 256));
        String next = null;
        int matched = 0;
        for (int i = 0; i < all.size(); i++) {
            if ((needle != null && !all.nameContains(i, needle)) || (state != null && all.count(i, state) == 0)) {
                continue;
            }
            matched++;
            if (i < start) {
                continue;
            }
            if (page.size() < limit) {
                page.add(group(all, i));
            } else if (next == null) {
                next = lastListed(page); // another group follows the full page
            }
        }
        return AdminResponse.ok(new JsonObject().put("groups", page).put("next", next).put("matched", matched))
                .withRevisionTag(s.revision());
    }

    private static String lastListed(List<Object> page) {
        return (String) ((JsonObject) page.get(page.size() - 1)).get("group");
    }

    private static JsonObject group(GroupCounts all, int i) {
        JsonObject counts = new JsonObject();
        for (SiteState st : SiteState.values()) {
            counts.put(st.wireName(), all.count(i, st));
        }
        return new JsonObject().put("group", all.name(i)).put("sites", counts).put("total", all.total(i));
    }

    AdminResponse get(AdminRequest req, String group) throws ApiException {
        req.allowParams();
        RoutingSnapshot s = sites.snapshot();
        // the snapshot's group counts, built once per revision: the console asks for every row it shows
        GroupCounts all = s.groupCounts();
        int i = all.indexOf(group);
        if (i < 0) {
            throw new ApiException(404, "not_found", "group " + group + " has no sites");
        }
        Change.StateCounts counts = new Change.StateCounts(all.count(i, SiteState.LEGACY),
                all.count(i, SiteState.MIGRATED), all.count(i, SiteState.MAINTENANCE), all.count(i, SiteState.HOLD));
        InflightCount inflight = SitesEndpoint.inflight(dataPlane, DrainBarrier.group(group, s));
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

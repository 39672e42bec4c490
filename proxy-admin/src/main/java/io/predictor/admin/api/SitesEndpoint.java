package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.DataPlane;
import io.predictor.admin.service.DrainBarrier;
import io.predictor.admin.service.Preconditions;
import io.predictor.admin.service.SiteService;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteQueries;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteView;
import io.predictor.core.server.InflightCount;
import io.predictor.core.server.SiteMatcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code /api/v1/sites} (a page, ordered by host) and {@code /api/v1/sites/{host}} (get, put, delete). */
final class SitesEndpoint {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final SiteService sites;
    private final DataPlane dataPlane;

    SitesEndpoint(SiteService sites, DataPlane dataPlane) {
        this.sites = sites;
        this.dataPlane = dataPlane;
    }

    /** The entry that routes {@code host} (an exact name, else the covering wildcard); 404 with the default. */
    AdminResponse get(AdminRequest req, String host) throws ApiException {
        req.allowParams();
        RoutingSnapshot s = sites.snapshot();
        boolean wildcard = host.startsWith("*.");
        String name = HostName.normalize(wildcard ? host.substring(2) : host);
        if (name == null) {
            throw ApiException.badRequest("invalid host '" + host + "'");
        }
        SiteView v = wildcard ? s.entry("*." + name) : s.describe(name);
        if (v == null) {
            throw new ApiException(404, "not_found", (wildcard ? "*." + name : name)
                    + " is not in the table; it takes the default route",
                    Map.of("default", s.defaultState().wireName()), Map.of());
        }
        JsonObject body = site(v);
        if (!wildcard && !v.host().equals(name)) {
            body.put("host", name).put("match", v.host()); // matched by a wildcard entry
        }
        InflightCount inflight = inflight(dataPlane, DrainBarrier.site(wildcard ? v.host() : name));
        body.put("inflight", inflight.total()).put("inflight_by_route", byRoute(inflight));
        return AdminResponse.ok(body).withRevisionTag(s.revision());
    }

    AdminResponse list(AdminRequest req) throws ApiException {
        req.allowParams("state", "group", "limit", "after");
        SiteState state = null;
        String stateName = req.param("state");
        if (stateName != null && !stateName.isEmpty()) {
            state = SiteState.parse(stateName);
            if (state == null) {
                throw ApiException.badRequest("unknown state '" + stateName
                        + "'; expected one of legacy, migrated, maintenance, hold");
            }
        }
        String group = emptyToNull(req.param("group"));
        String after = emptyToNull(req.param("after"));
        int limit = limit(req.param("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        RoutingSnapshot s = sites.snapshot();
        SiteQueries.Page page = SiteQueries.page(s, state, group, after, limit);
        List<Object> list = new ArrayList<>(page.sites().size());
        page.sites().forEach(v -> list.add(site(v)));
        return AdminResponse.ok(new JsonObject().put("sites", list).put("next", page.next()))
                .withRevisionTag(s.revision());
    }

    AdminResponse put(AdminRequest req, String host, String who) throws ApiException, ChangeRefusedException,
            IOException {
        req.allowParams(DrainParams.NAMES);
        RequestBody body = RequestBody.parse(req.body(), "state", "group", "expect", "force");
        SiteService.SiteUpdate update = new SiteService.SiteUpdate(body.state("state", true), body.has("group"),
                body.string("group"));
        SiteView v = sites.putSite(host, update, preconditions(req, body), who);
        // this change's revision: the table's now may already be a later change's (found by review)
        return AdminResponse.ok(site(v)).withRevisionTag(v.revision());
    }

    AdminResponse delete(AdminRequest req, String host, String who) throws ApiException, ChangeRefusedException,
            IOException {
        req.allowParams("force", "wait", "timeout", "close");
        RequestBody body = RequestBody.parse(req.body(), "expect", "force");
        Preconditions pre = preconditions(req, body);
        String force = req.param("force");
        if (force != null && !force.equals("true") && !force.equals("false")) {
            throw ApiException.badRequest("force must be true or false");
        }
        if ("true".equals(force)) {
            // a query parameter too, since curl -X DELETE rarely carries a body
            pre = new Preconditions(pre.ifMatch(), pre.expect(), true);
        }
        SiteService.DeleteResult r = sites.deleteSite(host, pre, who);
        return AdminResponse.ok(new JsonObject().put("host", r.host()).put("deleted", true)
                .put("state", r.routedBy().wireName()).put("revision", r.revision()))
                .withRevisionTag(r.revision());
    }

    static Preconditions preconditions(AdminRequest req, RequestBody body) throws ApiException {
        return new Preconditions(req.ifMatchRevision(), body.state("expect", false), body.bool("force"));
    }

    /** Everything in flight (any revision) that {@code matcher} selects; waits briefly for the loops. */
    static InflightCount inflight(DataPlane dataPlane, SiteMatcher matcher) {
        try {
            return dataPlane.inflight(Long.MAX_VALUE, matcher).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while counting in-flight requests", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("counting in-flight requests failed: " + e, e);
        }
    }

    static JsonObject byRoute(InflightCount c) {
        return new JsonObject().put("local", c.local()).put("legacy", c.legacy());
    }

    static JsonObject site(SiteView v) {
        return new JsonObject().put("host", v.host()).put("state", v.state().wireName()).put("group", v.group())
                .put("revision", v.revision());
    }

    static int limit(String value, int defaultLimit, int max) throws ApiException {
        if (value == null || value.isEmpty()) {
            return defaultLimit;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return Math.min(n, max);
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw ApiException.badRequest("limit must be a whole number from 1 to " + max);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}

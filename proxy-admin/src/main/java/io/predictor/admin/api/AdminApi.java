package io.predictor.admin.api;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.SiteService;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The admin API of SPEC §5 as a function from request to response, without sockets: the guard
 * first, then the route (404/405), then authentication for mutating calls, then the endpoint.
 * Only PUT, DELETE and POST change anything; GET never does.
 */
final class AdminApi {

    private static final String SITES = "/api/v1/sites";
    private static final String GROUPS = "/api/v1/groups";

    private final RequestGuard guard;
    private final BearerAuth auth;
    private final StatusEndpoint status;
    private final SitesEndpoint sitesEndpoint;
    private final GroupsEndpoint groups;
    private final HistoryEndpoint history;
    private final ReloadEndpoint reload;
    private final EventLog events;

    AdminApi(SiteService sites, String bindHost, AdminOptions options, EventLog events) {
        this.guard = new RequestGuard(bindHost);
        this.auth = new BearerAuth(options.tokens());
        this.status = new StatusEndpoint(sites, options.ready(), options.version());
        this.sitesEndpoint = new SitesEndpoint(sites);
        this.groups = new GroupsEndpoint(sites, options.groupInflight());
        this.history = new HistoryEndpoint(sites);
        this.reload = new ReloadEndpoint(sites);
        this.events = events;
    }

    AdminResponse handle(AdminRequest req) {
        try {
            guard.check(req);
            return route(req);
        } catch (ApiException e) {
            return e.toResponse();
        } catch (ChangeRefusedException e) {
            return refused(e).toResponse();
        } catch (IOException e) {
            events.event(EventLog.Level.ERROR, "state_store_failed", Map.of("error", e.toString()));
            return new ApiException(500, "state_store_failed", "the change could not be made durable and was"
                    + " not applied: " + e.getMessage()).toResponse();
        } catch (RuntimeException e) {
            events.event(EventLog.Level.ERROR, "admin_request_failed", Map.of("method", req.method(),
                    "path", req.path(), "error", e.toString()));
            return new ApiException(500, "internal_error", e.toString()).toResponse();
        }
    }

    private AdminResponse route(AdminRequest req) throws ApiException, ChangeRefusedException, IOException {
        String path = req.path();
        switch (path) {
            case "/healthz" -> {
                allow(req, "GET");
                return status.health();
            }
            case "/readyz" -> {
                allow(req, "GET");
                return status.readiness();
            }
            case "/api/v1/status" -> {
                allow(req, "GET");
                req.allowParams();
                return status.status();
            }
            case SITES -> {
                allow(req, "GET");
                return sitesEndpoint.list(req);
            }
            case "/api/v1/history" -> {
                allow(req, "GET");
                return history.get(req);
            }
            case "/api/v1/reload" -> {
                allow(req, "POST");
                return reload.post(req, who(req));
            }
            default -> {
            }
        }
        String host = segment(path, SITES + "/");
        if (host != null) {
            allow(req, "GET", "PUT", "DELETE");
            return switch (req.method()) {
                case "GET" -> sitesEndpoint.get(req, host);
                case "PUT" -> sitesEndpoint.put(req, host, who(req));
                default -> sitesEndpoint.delete(req, host, who(req));
            };
        }
        String group = segment(path, GROUPS + "/");
        if (group != null) {
            allow(req, "GET", "PUT");
            return req.method().equals("GET") ? groups.get(req, group) : groups.put(req, group, who(req));
        }
        throw new ApiException(404, "not_found", "no such endpoint: " + path);
    }

    private String who(AdminRequest req) throws ApiException {
        return auth.authenticate(req.header("authorization"));
    }

    /** The decoded last path segment after {@code prefix}, or null when the path is not {@code prefix + segment}. */
    private static String segment(String rawPath, String prefix) throws ApiException {
        if (!rawPath.startsWith(prefix) || rawPath.length() == prefix.length()
                || rawPath.indexOf('/', prefix.length()) >= 0) {
            return null;
        }
        try {
            return QueryStringDecoder.decodeComponent(rawPath.substring(prefix.length()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad percent-encoding in the path");
        }
    }

    private static void allow(AdminRequest req, String... methods) throws ApiException {
        for (String m : methods) {
            if (m.equals(req.method())) {
                return;
            }
        }
        throw new ApiException(405, "method_not_allowed", req.method() + " is not allowed on " + req.path(),
                Map.of(), Map.of("Allow", String.join(", ", methods)));
    }

    private static ApiException refused(ChangeRefusedException e) {
        Map<String, Object> extra = new LinkedHashMap<>();
        return switch (e.reason()) {
            case INVALID -> ApiException.badRequest(e.getMessage());
            case NOT_FOUND -> new ApiException(404, "not_found", e.getMessage());
            case TRANSITION -> new ApiException(409, "transition_refused", e.getMessage());
            case EXPECT -> new ApiException(409, "expect_mismatch", e.getMessage());
            case PRECONDITION -> new ApiException(412, "precondition_failed", e.getMessage());
            case SITES_FILE -> {
                extra.put("message", e.getMessage());
                yield new ApiException(422, "invalid_sites_file", e.details(), extra, Map.of());
            }
        };
    }
}

package io.predictor.admin.api;

import io.predictor.admin.json.JsonObject;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.service.DrainBarrier;
import io.predictor.admin.service.FleetBarrier;
import io.predictor.admin.state.StoreUnavailableException;
import io.predictor.core.server.SiteMatcher;
import io.predictor.admin.service.ChangeRefusedException;
import io.predictor.admin.service.SiteService;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The admin API of SPEC §5 as a function from request to response, without sockets: the guard
 * first, then the route (404/405), then authentication for mutating calls, then the endpoint.
 * Only PUT, DELETE and POST change anything; GET never does.
 */
final class AdminApi {

    private static final String SITES = "/api/v1/sites";
    private static final String GROUPS = "/api/v1/groups";
    private static final String RELOAD = "/api/v1/reload";
    /** The Prometheus text exposition format, version 0.0.4 (what every Prometheus scrapes). */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final RequestGuard guard;
    private final BearerAuth auth;
    private final StatusEndpoint status;
    private final SitesEndpoint sitesEndpoint;
    private final GroupsEndpoint groups;
    private final HistoryEndpoint history;
    private final ReloadEndpoint reload;
    private final EventLog events;
    private final FleetBarrier barrier;
    private final FleetEndpoint fleet;
    private final Supplier<String> metrics;
    /** The {@code admin.metrics_bind} listener: {@code /metrics} and nothing else. */
    private final boolean metricsOnly;
    private final ConsoleAssets console;
    private final SiteService sitesService;

    AdminApi(SiteService sites, String bindHost, AdminOptions options, EventLog events) {
        this(sites, bindHost, options, events, false);
    }

    AdminApi(SiteService sites, String bindHost, AdminOptions options, EventLog events, boolean metricsOnly) {
        this.metricsOnly = metricsOnly;
        this.sitesService = sites;
        this.guard = new RequestGuard(bindHost);
        this.auth = new BearerAuth(options.tokens());
        this.status = new StatusEndpoint(sites, options.ready(), options.version(), options.store());
        this.barrier = new FleetBarrier(new DrainBarrier(options.dataPlane(), options.observer()), options.fleet());
        this.fleet = new FleetEndpoint(sites, options.store(), options.fleet(), options.instance(), events);
        this.metrics = options.metrics();
        this.sitesEndpoint = new SitesEndpoint(sites, options.dataPlane());
        this.groups = new GroupsEndpoint(sites, options.dataPlane());
        this.history = new HistoryEndpoint(sites);
        this.reload = new ReloadEndpoint(sites);
        this.events = events;
        this.console = new ConsoleAssets();
    }

    /** Handles a request and waits for the answer (tests; a drain barrier may take its timeout). */
    AdminResponse handle(AdminRequest req) {
        return handleAsync(req).join();
    }

    /**
     * Handles a request: the change (if any) is made and visible when this returns; the answer
     * completes later only for a change that waits for the drain barrier.
     */
    CompletableFuture<AdminResponse> handleAsync(AdminRequest req) {
        try {
            guard.check(req);
            DrainParams drain = isBarrierCall(req) ? DrainParams.parse(req) : null;
            AdminResponse r = route(req);
            if (drain == null || !drain.waitDrained() || r.status() != 200) {
                return CompletableFuture.completedFuture(r);
            }
            return awaitDrain(req, r, drain).exceptionally(e -> internalError(req, e));
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(e.toResponse());
        } catch (ChangeRefusedException e) {
            return CompletableFuture.completedFuture(refused(e).toResponse());
        } catch (StoreUnavailableException e) {
            return CompletableFuture.completedFuture(new ApiException(503, "state_store_unavailable",
                    e.getMessage(), Map.of(), Map.of("Retry-After", "5")).toResponse());
        } catch (IOException e) {
            events.event(EventLog.Level.ERROR, "state_store_failed", Map.of("error", e.toString()));
            return CompletableFuture.completedFuture(new ApiException(500, "state_store_failed",
                    "the change could not be made durable and was not applied: " + e.getMessage()).toResponse());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(internalError(req, e));
        }
    }

    private AdminResponse internalError(AdminRequest req, Throwable e) {
        events.event(EventLog.Level.ERROR, "admin_request_failed", Map.of("method", req.method(),
                "path", req.path(), "error", e.toString()));
        return new ApiException(500, "internal_error", e.toString()).toResponse();
    }

    /** Site and group changes, and reloads, take {@code ?wait=drained}. */
    private static boolean isBarrierCall(AdminRequest req) {
        String m = req.method();
        return (m.equals("PUT") || m.equals("DELETE")) && (req.path().startsWith(SITES + "/")
                || req.path().startsWith(GROUPS + "/"))
                || m.equals("POST") && req.path().equals(RELOAD);
    }

    /**
     * The drain barrier after a change: waits until nothing routed by the affected sites'
     * previous state is in flight, then answers the change with {@code drained}, {@code waited_ms}
     * (and {@code closed}); on timeout without close, 504 with what is still in flight.
     */
    private CompletableFuture<AdminResponse> awaitDrain(AdminRequest req, AdminResponse change, DrainParams drain) {
        JsonObject body = (JsonObject) change.body();
        long revision = ((Number) body.get("revision")).longValue();
        CompletableFuture<DrainBarrier.Result> waited;
        if (req.path().equals(RELOAD)) {
            // a reload is this member's own (each member reads its own sites file): wait here
            waited = barrier.awaitHere(revision, DrainBarrier.routeChanged(sitesService.snapshot()),
                    drain.timeout(), drain.close());
        } else {
            SiteMatcher matcher = req.path().startsWith(GROUPS + "/")
                    ? DrainBarrier.group((String) body.get("group"), sitesService.snapshot()) // the change is in it
                    : DrainBarrier.site((String) body.get("host"));
            waited = barrier.await(revision, matcher, drain.timeout(), drain.close());
        }
        return waited.thenApply(result -> {
            body.put("drained", result.drained()).put("waited_ms", result.waitedMillis());
            if (drain.close()) {
                body.put("closed", result.closed());
            }
            if (result.drained()) {
                return change;
            }
            body.put("error", "drain_timeout").put("detail", "the change is in force, but " + result.inflight().total()
                    + " exchanges routed by the previous state were still in flight after " + result.waitedMillis()
                    + " ms" + (result.waitingFor().isEmpty() ? "" : " (members " + result.waitingFor() + " had not drained)")
                    + ": wait and repeat the call, or add close=true to cut them")
                    .put("inflight", result.inflight().total())
                    .put("inflight_by_route", SitesEndpoint.byRoute(result.inflight()));
            if (!result.waitingFor().isEmpty()) {
                body.put("waiting_for", result.waitingFor());
            }
            return new AdminResponse(504, body, change.headers());
        });
    }

    private AdminResponse route(AdminRequest req) throws ApiException, ChangeRefusedException, IOException {
        String path = req.path();
        if (metricsOnly && !path.equals("/metrics")) {
            throw new ApiException(404, "not_found", "this listener (admin.metrics_bind) serves only /metrics;"
                    + " the admin API is on admin.bind");
        }
        switch (path) {
            case "/healthz" -> {
                allow(req, "GET");
                return status.health();
            }
            case "/readyz" -> {
                allow(req, "GET");
                return status.readiness();
            }
            case "/metrics" -> {
                allow(req, "GET");
                req.allowParams();
                return AdminResponse.text(metrics.get(), PROMETHEUS_TEXT);
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
            case "/api/v1/fleet" -> {
                allow(req, "GET");
                return fleet.get(req);
            }
            case "/api/v1/history" -> {
                allow(req, "GET");
                return history.get(req);
            }
            case GROUPS -> {
                allow(req, "GET");
                return groups.list(req);
            }
            case "/api/v1/whoami" -> {
                // GET, yet authenticated: how the console checks a token before it changes anything
                allow(req, "GET");
                req.allowParams();
                return AdminResponse.ok(new JsonObject().put("who", who(req)));
            }
            case "/console" -> {
                allow(req, "GET");
                return ConsoleAssets.redirect();
            }
            case RELOAD -> {
                allow(req, "POST");
                return reload.post(req, who(req));
            }
            default -> {
            }
        }
        if (path.startsWith(ConsoleAssets.PREFIX)) {
            allow(req, "GET");
            return console.get(req, path);
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
        String member = segment(path, FleetEndpoint.MEMBERS + "/");
        if (member != null) {
            allow(req, "DELETE");
            return fleet.forget(req, member, who(req));
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
            // a path's percent-decoding: '+' is a plus there, not a space as in a query (a group
            // may be named filer+042; found by review)
            return java.net.URLDecoder.decode(rawPath.substring(prefix.length()).replace("+", "%2B"),
                    java.nio.charset.StandardCharsets.UTF_8);
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

    /** Stops the barrier's timer. */
    void close() {
        barrier.close();
    }

    private static ApiException refused(ChangeRefusedException e) {
        Map<String, Object> extra = new LinkedHashMap<>();
        return switch (e.reason()) {
            case INVALID -> ApiException.badRequest(e.getMessage());
            case NOT_FOUND -> new ApiException(404, "not_found", e.getMessage());
            case TRANSITION -> new ApiException(409, "transition_refused", e.getMessage());
            case EXPECT -> new ApiException(409, "expect_mismatch", e.getMessage());
            case PRECONDITION -> new ApiException(412, "precondition_failed", e.getMessage());
            case CONFLICT -> new ApiException(409, "revision_conflict", e.getMessage());
            case HEAP -> new ApiException(503, "insufficient_heap", e.getMessage());
            case SITES_FILE -> {
                extra.put("message", e.getMessage());
                yield new ApiException(422, "invalid_sites_file", e.details(), extra, Map.of());
            }
        };
    }
}

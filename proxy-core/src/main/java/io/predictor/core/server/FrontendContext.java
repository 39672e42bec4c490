package io.predictor.core.server;

import io.predictor.core.http.ProxyResponses;
import io.predictor.core.routing.Router;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What every client connection of one listener shares: settings, the router, the pools, the
 * canned responses and the listeners. Immutable but for the drain flag.
 */
final class FrontendContext {

    final ProxySettings settings;
    final ListenerSettings listener;
    final Router router;
    final Map<EventExecutor, LoopState> loops;
    final ProxyResponses responses;
    final ExchangeListener exchanges;
    final DrainState drain;
    final byte[] instance;
    final byte[] proto;
    /** {@code routing.preview_suffix} as bytes, or null. */
    final byte[] previewSuffix;
    /** What this proxy adds to {@code Via} when it forwards by a route, by {@code Route} ordinal. */
    final byte[][] via;
    /** The routes' wire names, by ordinal (the loop guard compares them with other predictors' Via). */
    final byte[][] routeNames;

    FrontendContext(ProxySettings settings, ListenerSettings listener, Router router, Map<EventExecutor, LoopState> loops,
            ProxyResponses responses, ExchangeListener exchanges, DrainState drain, String proto) {
        this.settings = settings;
        this.listener = listener;
        this.router = router;
        this.loops = loops;
        this.responses = responses;
        this.exchanges = exchanges;
        this.drain = drain;
        this.instance = settings.instance().getBytes(StandardCharsets.US_ASCII);
        this.via = new byte[io.predictor.core.routing.Route.values().length][];
        this.routeNames = new byte[via.length][];
        for (io.predictor.core.routing.Route r : io.predictor.core.routing.Route.values()) {
            via[r.ordinal()] = io.predictor.core.http.HeadWriter.predictorVia(settings.instance(), r.wireName());
            routeNames[r.ordinal()] = r.wireName().getBytes(StandardCharsets.US_ASCII);
        }
        this.proto = proto.getBytes(StandardCharsets.US_ASCII);
        this.previewSuffix = settings.previewSuffix() == null ? null
                : settings.previewSuffix().getBytes(StandardCharsets.US_ASCII);
    }
}

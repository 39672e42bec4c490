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
        this.proto = proto.getBytes(StandardCharsets.US_ASCII);
        this.previewSuffix = settings.previewSuffix() == null ? null
                : settings.previewSuffix().getBytes(StandardCharsets.US_ASCII);
    }
}

package io.predictor.core.server;

import io.predictor.core.http.ProxyResponses;
import io.predictor.core.routing.Router;
import io.predictor.core.upstream.OriginPools;
import java.nio.charset.StandardCharsets;

/**
 * What every client connection of one listener shares: settings, the router, the pools, the
 * canned responses and the listeners. Immutable but for the drain flag.
 */
final class FrontendContext {

    final ProxySettings settings;
    final ListenerSettings listener;
    final Router router;
    final OriginPools pools;
    final ProxyResponses responses;
    final ExchangeListener exchanges;
    final DrainState drain;
    final byte[] instance;
    final byte[] proto;

    FrontendContext(ProxySettings settings, ListenerSettings listener, Router router, OriginPools pools,
            ProxyResponses responses, ExchangeListener exchanges, DrainState drain, String proto) {
        this.settings = settings;
        this.listener = listener;
        this.router = router;
        this.pools = pools;
        this.responses = responses;
        this.exchanges = exchanges;
        this.drain = drain;
        this.instance = settings.instance().getBytes(StandardCharsets.US_ASCII);
        this.proto = proto.getBytes(StandardCharsets.US_ASCII);
    }
}

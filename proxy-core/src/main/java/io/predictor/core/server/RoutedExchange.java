package io.predictor.core.server;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.predictor.core.http.Failure;
import io.predictor.core.routing.HostName;
import io.predictor.core.routing.Route;
import io.predictor.core.routing.RoutingSnapshot;

/**
 * What every routed request keeps, whichever protocol carried it — an HTTP/1.1 connection's
 * current exchange ({@link ClientConnection}) or one HTTP/2 stream ({@link Http2StreamExchange}):
 * its normalised host, the snapshot and route that routed it, and the figures the listeners read
 * when it ends ({@link ExchangeInfo}); and how the drain barrier asks it which revision and
 * which site routed it ({@link InflightExchange}). The subclasses write these fields as the
 * exchange goes; everything here only reads them.
 */
abstract class RoutedExchange extends ChannelInboundHandlerAdapter implements ExchangeInfo, InflightExchange {

    final FrontendContext shared;
    /** The routing host, normalised ({@link HostName#normalize}): {@code host[0, hostLength)}. */
    final byte[] host = new byte[HostName.MAX_LENGTH + 2];
    int hostLength;
    String clientAddressText;
    /** The snapshot that routed the current exchange (the drain barrier asks it which site this was). */
    RoutingSnapshot routedBy;
    Route route;
    long revision;
    String originServer;
    int status;
    Failure failure;
    long bytesIn;
    long bytesOut;
    long startNanos;

    RoutedExchange(FrontendContext shared) {
        this.shared = shared;
    }

    // ---- drain barrier ----------------------------------------------------------------------

    @Override
    public final boolean routedBefore(long beforeRevision) {
        return routedBy != null && routedBy.revision() < beforeRevision;
    }

    @Override
    public final boolean matches(SiteMatcher matcher) {
        return routedBy != null && matcher.matches(routedBy, host, hostLength);
    }

    // ---- ExchangeInfo -----------------------------------------------------------------------

    @Override
    public final String listener() {
        return shared.listener.name();
    }

    @Override
    public final String clientAddress() {
        return clientAddressText;
    }

    @Override
    public final Route route() {
        return route;
    }

    @Override
    public final int status() {
        return status;
    }

    @Override
    public final Failure failure() {
        return failure;
    }

    @Override
    public final String originServer() {
        return originServer;
    }

    @Override
    public final long bytesIn() {
        return bytesIn;
    }

    @Override
    public final long bytesOut() {
        return bytesOut;
    }

    @Override
    public final long startNanos() {
        return startNanos;
    }

    @Override
    public final long revision() {
        return revision;
    }
}

package io.predictor.core.server;

/**
 * What the data plane needs from the configuration, in plain values (core knows nothing of
 * YAML; the program maps the config file onto this).
 *
 * @param instance            this proxy's name in {@code Via} (loop guard)
 * @param eventLoops          data-plane event loop threads (at least 1)
 * @param transport           {@code auto}, {@code epoll}, {@code io_uring} or {@code nio}
 * @param maxHeaderSize       bytes of a request or response head
 * @param maxHeaders          header fields of a head
 * @param maxConnections      accepted client connections at once, over all listeners
 */
public record ProxySettings(
        String instance,
        int eventLoops,
        String transport,
        long connectTimeoutMillis,
        long requestHeadersTimeoutMillis,
        long idleTimeoutMillis,
        long upstreamResponseTimeoutMillis,
        long holdTimeoutMillis,
        long drainTimeoutMillis,
        int maxHeaderSize,
        int maxHeaders,
        int maxConnections) {

    /** Longest request line accepted before 414 (nginx's large_client_header_buffers default). */
    public int maxRequestLine() {
        return Math.min(8192, maxHeaderSize);
    }
}

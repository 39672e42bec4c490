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
 * @param previewSuffix       {@code routing.preview_suffix} (lower case, leading dot), or null
 * @param allocator           {@code pooled} or {@code adaptive}: the buffer allocator of every data-plane channel
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
        int maxConnections,
        String previewSuffix,
        String allocator) {

    /** The settings with the pooled allocator (the default of {@code runtime.allocator}). */
    public ProxySettings(String instance, int eventLoops, String transport, long connectTimeoutMillis,
            long requestHeadersTimeoutMillis, long idleTimeoutMillis, long upstreamResponseTimeoutMillis,
            long holdTimeoutMillis, long drainTimeoutMillis, int maxHeaderSize, int maxHeaders, int maxConnections,
            String previewSuffix) {
        this(instance, eventLoops, transport, connectTimeoutMillis, requestHeadersTimeoutMillis, idleTimeoutMillis,
                upstreamResponseTimeoutMillis, holdTimeoutMillis, drainTimeoutMillis, maxHeaderSize, maxHeaders,
                maxConnections, previewSuffix, "pooled");
    }

    /** The same settings with another upstream response timeout (tests). */
    public ProxySettings withUpstreamResponseTimeout(long millis) {
        return new ProxySettings(instance, eventLoops, transport, connectTimeoutMillis, requestHeadersTimeoutMillis,
                idleTimeoutMillis, millis, holdTimeoutMillis, drainTimeoutMillis, maxHeaderSize, maxHeaders,
                maxConnections, previewSuffix, allocator);
    }

    /** The same settings with another request-headers timeout (tests). */
    public ProxySettings withRequestHeadersTimeout(long millis) {
        return new ProxySettings(instance, eventLoops, transport, connectTimeoutMillis, millis,
                idleTimeoutMillis, upstreamResponseTimeoutMillis, holdTimeoutMillis, drainTimeoutMillis, maxHeaderSize,
                maxHeaders, maxConnections, previewSuffix, allocator);
    }

    /** The same settings with another hold timeout (tests). */
    public ProxySettings withHoldTimeout(long millis) {
        return new ProxySettings(instance, eventLoops, transport, connectTimeoutMillis, requestHeadersTimeoutMillis,
                idleTimeoutMillis, upstreamResponseTimeoutMillis, millis, drainTimeoutMillis, maxHeaderSize,
                maxHeaders, maxConnections, previewSuffix, allocator);
    }

    /** The same settings with another drain timeout (tests). */
    public ProxySettings withDrainTimeout(long millis) {
        return new ProxySettings(instance, eventLoops, transport, connectTimeoutMillis, requestHeadersTimeoutMillis,
                idleTimeoutMillis, upstreamResponseTimeoutMillis, holdTimeoutMillis, millis, maxHeaderSize,
                maxHeaders, maxConnections, previewSuffix, allocator);
    }

    /** The same settings with another transport (tests). */
    public ProxySettings withTransport(String name) {
        return new ProxySettings(instance, eventLoops, name, connectTimeoutMillis, requestHeadersTimeoutMillis,
                idleTimeoutMillis, upstreamResponseTimeoutMillis, holdTimeoutMillis, drainTimeoutMillis, maxHeaderSize,
                maxHeaders, maxConnections, previewSuffix, allocator);
    }

    /** The same settings with another allocator (tests). */
    public ProxySettings withAllocator(String name) {
        return new ProxySettings(instance, eventLoops, transport, connectTimeoutMillis, requestHeadersTimeoutMillis,
                idleTimeoutMillis, upstreamResponseTimeoutMillis, holdTimeoutMillis, drainTimeoutMillis, maxHeaderSize,
                maxHeaders, maxConnections, previewSuffix, name);
    }

    /** Longest request line accepted before 414 (nginx's large_client_header_buffers default). */
    public int maxRequestLine() {
        return Math.min(8192, maxHeaderSize);
    }
}

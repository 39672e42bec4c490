package io.predictor.core.server;

/**
 * Told about every exchange on the event loop that runs it: metrics and the access log. Must not
 * block; should not allocate more than it keeps.
 */
public interface ExchangeListener {

    ExchangeListener NONE = new ExchangeListener() {
        @Override
        public void started(ExchangeInfo exchange) {
        }

        @Override
        public void completed(ExchangeInfo exchange, long endNanos) {
        }
    };

    /** The request was routed ({@link ExchangeInfo#route()} is set). */
    void started(ExchangeInfo exchange);

    /** The exchange ended: answered, failed or abandoned by the client. */
    void completed(ExchangeInfo exchange, long endNanos);

    /** Calls every listener in order. */
    static ExchangeListener all(ExchangeListener... listeners) {
        return new ExchangeListener() {
            @Override
            public void started(ExchangeInfo exchange) {
                for (ExchangeListener l : listeners) {
                    l.started(exchange);
                }
            }

            @Override
            public void completed(ExchangeInfo exchange, long endNanos) {
                for (ExchangeListener l : listeners) {
                    l.completed(exchange, endNanos);
                }
            }
        };
    }
}

package io.predictor.admin.api;

import io.predictor.admin.config.Durations;
import java.time.Duration;

/**
 * {@code ?wait=drained&timeout=30s&close=true} on a site or group change (SPEC §5 "The drain
 * barrier").
 *
 * @param timeout how long to wait (default 30s, at most 10m)
 * @param close   on timeout, close what is left instead of answering 504
 */
record DrainParams(boolean waitDrained, Duration timeout, boolean close) {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    static final String[] NAMES = {"wait", "timeout", "close"};

    static DrainParams parse(AdminRequest req) throws ApiException {
        String wait = req.param("wait");
        String timeout = req.param("timeout");
        String close = req.param("close");
        if (wait == null) {
            if (timeout != null || close != null) {
                throw ApiException.badRequest("timeout and close go with wait=drained");
            }
            return new DrainParams(false, DEFAULT_TIMEOUT, false);
        }
        if (!wait.equals("drained")) {
            throw ApiException.badRequest("wait must be 'drained'");
        }
        Duration t = DEFAULT_TIMEOUT;
        if (timeout != null) {
            try {
                t = Durations.parse(timeout);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("timeout: " + e.getMessage());
            }
            if (t.isZero() || t.isNegative() || t.compareTo(MAX_TIMEOUT) > 0) {
                throw ApiException.badRequest("timeout must be more than 0 and at most 10m");
            }
        }
        if (close != null && !close.equals("true") && !close.equals("false")) {
            throw ApiException.badRequest("close must be true or false");
        }
        return new DrainParams(true, t, "true".equals(close));
    }
}

package io.predictor.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.predictor.core.http.Failure;
import io.predictor.core.routing.Route;
import io.predictor.core.server.ExchangeInfo;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-request meters, fed exchanges directly (no sockets). */
class RequestMetricsTest {

    final MeterRegistry registry = new SimpleMeterRegistry();
    final RequestMetrics metrics = new RequestMetrics(registry);

    double requests(String route, String code) {
        Counter c = registry.find("predictor.requests").tags("route", route, "code", code).counter();
        return c == null ? -1 : c.count();
    }

    Timer duration(String route) {
        return registry.get("predictor.request.duration").tag("route", route).timer();
    }

    @Test
    void shouldCountByRouteAndExactStatus() {
        metrics.completed(new Done(Route.LOCAL, 200, null, 0), 5_000_000);
        metrics.completed(new Done(Route.LOCAL, 200, null, 0), 5_000_000);
        metrics.completed(new Done(Route.LEGACY, 418, null, 0), 2_000_000);
        metrics.completed(new Done(Route.MAINTENANCE, 503, null, 0), 1_000);
        metrics.completed(new Done(null, 431, Failure.HEADERS_TOO_LARGE, 0), 1_000);

        assertThat(requests("local", "200")).isEqualTo(2);
        assertThat(requests("legacy", "418")).as("an origin's own status, created on first sight").isEqualTo(1);
        assertThat(requests("maintenance", "503")).isEqualTo(1);
        assertThat(requests("error", "431")).as("refused before routing").isEqualTo(1);
        assertThat(duration("local").count()).isEqualTo(2);
        assertThat(duration("local").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(10);
        assertThat(duration("error").count()).isEqualTo(1);
    }

    @Test
    void shouldRegisterTheProxysOwnStatusesAtZero() {
        assertThat(requests("local", "200")).isZero();
        assertThat(requests("legacy", "502")).isZero();
        assertThat(requests("legacy", "504")).isZero();
        assertThat(requests("local", "508")).isZero();
        assertThat(requests("hold", "503")).isZero();
        assertThat(requests("maintenance", "503")).isZero();
        assertThat(requests("error", "400")).isZero();
        assertThat(requests("error", "408")).isZero();
        assertThat(requests("maintenance", "200")).as("never answered: not registered").isEqualTo(-1);
        // two forwarded pools × seven kinds (connect_refused … response_headers_too_large, no_server)
        assertThat(registry.find("predictor.upstream.errors").counters()).hasSize(14);
    }

    @Test
    void shouldCountUpstreamErrorsByPoolAndKindButNotClientErrors() {
        metrics.completed(new Done(Route.LEGACY, 502, Failure.CONNECT_REFUSED, 0), 1_000);
        metrics.completed(new Done(Route.LOCAL, 504, Failure.RESPONSE_TIMEOUT, 0), 1_000);
        metrics.completed(new Done(Route.LOCAL, 200, Failure.RESET, 0), 1_000); // reset after the response began
        metrics.completed(new Done(Route.LOCAL, 508, Failure.LOOP, 0), 1_000);
        metrics.completed(new Done(null, 400, Failure.BAD_REQUEST, 0), 1_000);

        assertThat(registry.get("predictor.upstream.errors").tags("pool", "legacy", "kind", "connect_refused")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get("predictor.upstream.errors").tags("pool", "local", "kind", "timeout")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get("predictor.upstream.errors").tags("pool", "local", "kind", "reset")
                .counter().count()).isEqualTo(1);
        double all = registry.find("predictor.upstream.errors").counters().stream().mapToDouble(Counter::count).sum();
        assertThat(all).as("the loop guard and a bad request are not upstream errors").isEqualTo(3);
    }

    @Test
    void shouldLeaveUpgradedConnectionsOutOfTheLatencyHistogram() {
        metrics.completed(new Done(Route.LOCAL, 101, null, 0), TimeUnit.HOURS.toNanos(2));
        assertThat(requests("local", "101")).isEqualTo(1);
        assertThat(duration("local").count()).isZero();
    }

    @Test
    void shouldReuseTheSameCounterAfterFirstSight() {
        metrics.completed(new Done(Route.LOCAL, 299, null, 0), 1);
        int meters = registry.getMeters().size();
        for (int i = 0; i < 1000; i++) {
            metrics.completed(new Done(Route.LOCAL, 299, null, 0), 1);
        }
        assertThat(registry.getMeters()).hasSize(meters);
        assertThat(requests("local", "299")).isEqualTo(1001);
    }

    /** A finished exchange. */
    record Done(Route route, int status, Failure failure, long startNanos) implements ExchangeInfo {
        @Override
        public String listener() {
            return "http";
        }

        @Override
        public String clientAddress() {
            return "127.0.0.1";
        }

        @Override
        public String host() {
            return "www.example.com";
        }

        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String target() {
            return "/";
        }

        @Override
        public String originServer() {
            return null;
        }

        @Override
        public long bytesIn() {
            return 0;
        }

        @Override
        public long bytesOut() {
            return 0;
        }

        @Override
        public long revision() {
            return 0;
        }
    }
}

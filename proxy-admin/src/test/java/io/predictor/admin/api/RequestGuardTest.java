package io.predictor.admin.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestGuardTest {

    static AdminRequest request(String host, String origin) {
        Map<String, String> h = new HashMap<>();
        if (host != null) {
            h.put("host", host);
        }
        if (origin != null) {
            h.put("origin", origin);
        }
        return new AdminRequest("GET", "/api/v1/status", Map.of(), h, "", 9090);
    }

    static String refusal(RequestGuard g, String host, String origin) {
        try {
            g.check(request(host, origin));
            return null;
        } catch (ApiException e) {
            return e.getMessage().substring(0, e.getMessage().indexOf(':'));
        }
    }

    @Test
    void hostMustNameThisListener() {
        RequestGuard g = new RequestGuard("127.0.0.1");
        for (String ok : List.of("localhost", "LOCALHOST:9090", "127.0.0.1", "127.0.0.1:9090", "[::1]:9090", "[::1]",
                "127.1.2.3:80")) {
            assertThat(refusal(g, ok, null)).as(ok).isNull();
        }
        for (String bad : List.of("evil.example", "evil.example:9090", "localhost.evil.example", "10.0.0.1:9090",
                "localhost:x", "[::1", "", "127.0.0.1:9090@evil")) {
            assertThat(refusal(g, bad, null)).as(bad).isEqualTo("forbidden_host");
        }
        assertThat(refusal(g, null, null)).isEqualTo("forbidden_host");
    }

    @Test
    void theBindAddressOrNameIsAccepted() {
        assertThat(refusal(new RequestGuard("10.1.2.3"), "10.1.2.3:9090", null)).isNull();
        assertThat(refusal(new RequestGuard("10.1.2.3"), "10.1.2.4:9090", null)).isEqualTo("forbidden_host");
        assertThat(refusal(new RequestGuard("admin.internal"), "Admin.Internal:9090", null)).isNull();
        assertThat(refusal(new RequestGuard("::1"), "[::1]:9090", null)).isNull();
        RequestGuard any = new RequestGuard("0.0.0.0");
        assertThat(refusal(any, "10.9.8.7:9090", null)).as("wildcard bind: any IP literal").isNull();
        assertThat(refusal(any, "rebind.evil.example:9090", null)).as("but no DNS name").isEqualTo("forbidden_host");
    }

    @Test
    void aBrowserOriginMustBeTheListenerItself() {
        RequestGuard g = new RequestGuard("127.0.0.1");
        assertThat(refusal(g, "localhost:9090", "http://localhost:9090")).isNull();
        assertThat(refusal(g, "127.0.0.1:9090", "http://127.0.0.1:9090")).isNull();
        for (String bad : List.of("http://evil.example", "http://localhost:3000", "http://localhost", "null",
                "https://localhost:9090", "http://evil.example:9090", "http://localhost:9090x")) {
            assertThat(refusal(g, "localhost:9090", bad)).as(bad).isEqualTo("forbidden_origin");
        }
    }

    /**
     * Security review: with a wildcard bind, isOwnOrigin reuses the Host rule "any IP literal", so
     * a page served from ANY IP address on the admin port's number passes the CSRF guard: here a
     * page at http://203.0.113.5:9090 (the attacker's server) calling the admin listener at
     * 10.0.0.5:9090. That origin is not the listener's own (SPEC section 5); the request should
     * be refused as forbidden_origin, as it is for a non-wildcard bind.
     */
    @Test
    void withAWildcardBindAForeignIpOriginIsNotTheListenersOwn() {
        RequestGuard any = new RequestGuard("0.0.0.0");
        assertThat(refusal(any, "10.0.0.5:9090", "http://203.0.113.5:9090")).isEqualTo("forbidden_origin");
        assertThat(refusal(new RequestGuard("::"), "[fd00::5]:9090", "http://[2001:db8::66]:9090"))
                .isEqualTo("forbidden_origin");
        assertThat(refusal(new RequestGuard("10.0.0.5"), "10.0.0.5:9090", "http://203.0.113.5:9090"))
                .as("the same with a specific bind: refused already").isEqualTo("forbidden_origin");
    }
}

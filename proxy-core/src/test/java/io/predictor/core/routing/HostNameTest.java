package io.predictor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostNameTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
        "www.example.com|www.example.com",
        "WWW.Example.COM|www.example.com",
        "www.example.com:8080|www.example.com",
        "www.example.com.|www.example.com",
        "www.example.com.:443|www.example.com",
        "'  www.example.com \t'|www.example.com",
        "www.example.com:|www.example.com",
        "xn--bcher-kva.example|xn--bcher-kva.example",
        "127.0.0.1:80|127.0.0.1",
        "[::1]:8080|[::1]",
        "[2001:DB8::1]|[2001:db8::1]",
        "under_score.example|under_score.example",
    })
    void normalisesCasePortAndTrailingDot(String in, String expected) {
        assertThat(HostName.normalize(in)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" is invalid")
    @CsvSource(delimiter = '|', value = {
        "''", "' '", ".", "www.example.com:80:80", "www.example.com:123456", "www.exa mple.com",
        "www.example.com:abc", "bücher.example", "a/b", "[::1", "[::1]x", ".example.com", "exa\u0000mple.com",
    })
    void rejectsInvalidNames(String in) {
        assertThat(HostName.normalize(in)).isNull();
    }

    @org.junit.jupiter.api.Test
    void rejectsOverlongNames() {
        assertThat(HostName.normalize("a".repeat(254))).isNull();
        assertThat(HostName.normalize("a".repeat(253))).hasSize(253);
    }
}

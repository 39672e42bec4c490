package io.predictor.admin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.predictor.admin.config.Config.HostPort;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1:8080,          127.0.0.1,         8080,  127.0.0.1:8080",
            "0.0.0.0:1,               0.0.0.0,           1,     0.0.0.0:1",
            "[::1]:9090,              ::1,               9090,  [::1]:9090",
            "[::]:65535,              ::,                65535, [::]:65535",
            "[2001:DB8::1]:443,       2001:db8::1,       443,   [2001:db8::1]:443",
            "Origin.Example.NET:80,   origin.example.net, 80,   origin.example.net:80",
            "localhost:9090,          localhost,         9090,  localhost:9090",
    })
    void parsesHostAndPort(String text, String host, int port, String printed) {
        HostPort a = Addresses.parseHostPort(text);

        assertThat(a).isEqualTo(new HostPort(host, port));
        assertThat(a).hasToString(printed);
        assertThat(Addresses.parseHostPort(a.toString())).isEqualTo(a);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            ":8080              | (no host; write 0.0.0.0:8080",
            "127.0.0.1          | (no port)",
            "127.0.0.1:         | (the port must be a number from 1 to 65535)",
            "127.0.0.1:0        | (the port must be a number from 1 to 65535)",
            "127.0.0.1:65536    | (the port must be a number from 1 to 65535)",
            "127.0.0.1:http     | (the port must be a number from 1 to 65535)",
            "::1:9090           | (an IPv6 address needs brackets, e.g. [::1]:9090)",
            "[::1]              | (an IPv6 address in brackets needs a port after it",
            "[::1]9090          | (an IPv6 address in brackets needs a port after it",
            "[127.0.0.1]:80     | : '127.0.0.1' is not an IPv6 address",
            "256.0.0.1:80       | : '256.0.0.1' is not an IPv4 address",
            "1.2.3:80           | : '1.2.3' is not an IPv4 address",
            "my_host:80         | : 'my_host' is not an IP address or a DNS name",
            "-bad.example:80    | : '-bad.example' is not an IP address or a DNS name",
    })
    void refusesWhatIsNotAnAddress(String text, String why) {
        assertThatIllegalArgumentException().isThrownBy(() -> Addresses.parseHostPort(text))
                .withMessageStartingWith("'" + text + "' is not an address")
                .withMessageContaining(why)
                .withMessageEndingWith("; expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:9090");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:9090", "127.1.2.3:1", "[::1]:9090", "localhost:9090", "[::ffff:127.0.0.1]:9090"})
    void loopbackAddresses(String text) {
        assertThat(Addresses.isLoopback(Addresses.parseHostPort(text))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0:9090", "[::]:9090", "10.0.0.1:9090", "admin.example.net:9090", "128.0.0.1:1"})
    void nonLoopbackAddresses(String text) {
        assertThat(Addresses.isLoopback(Addresses.parseHostPort(text))).isFalse();
    }
}

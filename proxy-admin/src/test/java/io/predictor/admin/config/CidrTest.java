package io.predictor.admin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidrTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.0.0.0/8,       10.1.2.3,          true",
            "10.0.0.0/8,       11.0.0.0,          false",
            "192.168.1.7,      192.168.1.7,       true",
            "192.168.1.7,      192.168.1.8,       false",
            "192.168.1.0/25,   192.168.1.127,     true",
            "192.168.1.0/25,   192.168.1.128,     false",
            "0.0.0.0/0,        203.0.113.9,       true",
            "0.0.0.0/0,        ::1,               false",
            "10.0.0.0/8,       ::ffff:10.9.9.9,   true",
            "fd00::/8,         fd12:3456::1,      true",
            "fd00::/8,         fe80::1,           false",
            "2001:db8::/33,    2001:db8:7fff::1,  true",
            "2001:db8::/33,    2001:db8:8000::1,  false",
            "::1/128,          ::1,               true",
            "::/0,             10.0.0.1,          false",
    })
    void matchesClientAddresses(String cidr, String client, boolean contained) throws UnknownHostException {
        assertThat(Cidr.parse(cidr).contains(InetAddress.getByName(client))).isEqualTo(contained);
    }

    @ParameterizedTest
    @CsvSource({
            "10.0.0.0/8,          10.0.0.0/8",
            "192.168.1.7,         192.168.1.7/32",
            "FD00::/8,            fd00::/8",
            "2001:db8:0:0:0:0:0:0/32, 2001:db8::/32",
            "::/0,                ::/0",
            "::1,                 ::1/128",
            "1:0:0:2:0:0:0:3/128, 1:0:0:2::3/128",
    })
    void printsCanonically(String text, String canonical) {
        assertThat(Cidr.parse(text)).hasToString(canonical);
        assertThat(Cidr.parse(canonical)).isEqualTo(Cidr.parse(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "10.0.0.0/33      | the prefix length must be a number from 0 to 32 for an IPv4 address",
            "::/129           | the prefix length must be a number from 0 to 128 for an IPv6 address",
            "10.0.0.0/        | the prefix length must be a number",
            "10.0.0.0/08      | the prefix length must be a number",
            "10.0.0.0/-1      | the prefix length must be a number",
            "10.0.0.1/8       | it has host bits set after the first 8; did you mean 10.0.0.0/8?",
            "fd00::1/8        | it has host bits set after the first 8; did you mean fd00::/8?",
            "10.0.0           | '10.0.0' is not an IP address",
            "10.0.0.256/32    | '10.0.0.256' is not an IP address",
            "010.0.0.0/8      | '010.0.0.0' is not an IP address",
            "1:2:3:4:5:6:7:8:9/64 | is not an IP address",
            "1::2::3/64       | is not an IP address",
            "fe80::1%eth0/64  | is not an IP address",
            "example.net/24   | is not an IP address",
    })
    void refusesWhatIsNotACidr(String text, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse(text))
                .withMessageStartingWith("'" + text + "' is not a CIDR").withMessageContaining(message);
    }
}

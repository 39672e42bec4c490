package io.predictor.admin.config;

import io.predictor.admin.config.Config.HostPort;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * {@code HOST:PORT} as written in the config file: {@code 0.0.0.0:8080}, {@code [::1]:9090},
 * {@code origin.example.net:80}. A host is always required: an address that silently means "every
 * interface" is how admin ports end up on the internet. Never asks DNS.
 */
public final class Addresses {
    private static final String EXPECTED = "; expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:9090";
    private static final int MAX_NAME_LENGTH = 253;
    private static final Cidr LOOPBACK_V4 = Cidr.parse("127.0.0.0/8");
    private static final Cidr LOOPBACK_V6 = Cidr.parse("::1/128");

    private Addresses() {
    }

    /**
     * Parses {@code HOST:PORT}; the host is an IPv4 literal, a bracketed IPv6 literal or a DNS name
     * (kept lower-case, IPv6 without brackets).
     *
     * @throws IllegalArgumentException with a message that quotes the text and says what is valid
     */
    public static HostPort parseHostPort(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw invalid(text, " (an IPv6 address in brackets needs a port after it, e.g. [::1]:9090)");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (IpLiterals.ipv6(host) == null) {
                throw invalid(text, ": '" + host + "' is not an IPv6 address");
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw invalid(text, " (no port)");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.isEmpty()) {
                throw invalid(text, " (no host; write 0.0.0.0" + text + " to listen on every IPv4 address,"
                        + " 127.0.0.1" + text + " for this machine only)");
            }
            if (host.indexOf(':') >= 0) {
                throw invalid(text, " (an IPv6 address needs brackets, e.g. [" + host + "]:" + port + ")");
            }
            checkHost(text, host);
        }
        return new HostPort(host.toLowerCase(Locale.ROOT), port(text, port));
    }

    /**
     * Whether two binds cannot both be bound: one port, and one address however it is spelled
     * ({@code [::1]} and {@code [0:0:0:0:0:0:0:1]}), or a wildcard ({@code 0.0.0.0}, {@code ::})
     * beside any address of its family ({@code ::} beside any at all: it is dual-stack). Compared
     * as text they passed {@code --check} and failed the start (found by review).
     */
    public static boolean overlap(HostPort a, HostPort b) {
        if (a == null || b == null || a.port() != b.port()) { // null: a bind the config left out (reported there)
            return false;
        }
        byte[] x = literal(a.host());
        byte[] y = literal(b.host());
        if (x == null || y == null) {
            return a.host().equals(b.host()); // a name: as written (the start resolves it)
        }
        if (java.util.Arrays.equals(x, y)) {
            return true;
        }
        return isWildcard(x) && (x.length == 16 || y.length == 4) || isWildcard(y) && (y.length == 16 || x.length == 4);
    }

    private static byte[] literal(String host) {
        return host.indexOf(':') >= 0 ? IpLiterals.ipv6(host) : IpLiterals.ipv4(host);
    }

    private static boolean isWildcard(byte[] address) {
        for (byte b : address) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the host is a loopback address (127.0.0.0/8, ::1) or the name {@code localhost}. */
    public static boolean isLoopback(HostPort address) {
        String host = address.host();
        if (host.equals("localhost")) {
            return true;
        }
        byte[] bytes = literal(host);
        if (bytes == null) {
            return false;
        }
        try {
            InetAddress a = InetAddress.getByAddress(bytes);
            return LOOPBACK_V4.contains(a) || LOOPBACK_V6.contains(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    private static void checkHost(String text, String host) {
        if (looksNumeric(host)) {
            if (IpLiterals.ipv4(host) == null) {
                throw invalid(text, ": '" + host + "' is not an IPv4 address");
            }
            return;
        }
        if (!isDnsName(host)) {
            throw invalid(text, ": '" + host + "' is not an IP address or a DNS name");
        }
    }

    /** Letters, digits and hyphens in dot-separated labels of 1 to 63 characters; no leading or trailing hyphen. */
    static boolean isDnsName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return false;
        }
        int labelStart = 0;
        for (int i = 0; i <= name.length(); i++) {
            char c = i < name.length() ? name.charAt(i) : '.';
            if (c == '.') {
                int len = i - labelStart;
                if (len == 0 || len > 63 || name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
            } else if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean looksNumeric(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    private static int port(String text, String port) {
        int n = 0;
        if (port.isEmpty() || port.length() > 5) {
            throw invalid(text, " (the port must be a number from 1 to 65535)");
        }
        for (int i = 0; i < port.length(); i++) {
            char c = port.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(text, " (the port must be a number from 1 to 65535)");
            }
            n = n * 10 + (c - '0');
        }
        if (n < 1 || n > 65535) {
            throw invalid(text, " (the port must be a number from 1 to 65535)");
        }
        return n;
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("'" + text + "' is not an address" + why + EXPECTED);
    }
}

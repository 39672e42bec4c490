package io.predictor.admin.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The DNS-rebinding and CSRF guard of SPEC §5, checked before anything else: the {@code Host}
 * must name this listener ({@code localhost}, a loopback address, or the {@code admin.bind}
 * address; with a wildcard bind, any IP literal: rebinding needs a DNS name), and an
 * {@code Origin}, when a browser sends one, must be this listener itself
 * ({@code http://HOST:PORT} with such a host and the listener's own port).
 */
final class RequestGuard {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]*:[0-9a-f:.]*");

    private final String bindName;
    private final InetAddress bindAddress;

    /** @param bindHost {@code admin.bind}'s host: a name or an IP literal (IPv6 with or without brackets) */
    RequestGuard(String bindHost) {
        String h = unbracket(bindHost.toLowerCase(Locale.ROOT));
        InetAddress literal = ipLiteral(h);
        this.bindAddress = literal;
        this.bindName = literal == null ? h : null;
    }

    void check(AdminRequest req) throws ApiException {
        String host = req.header("host");
        if (host == null || !isAllowed(hostPart(host))) {
            throw new ApiException(403, "forbidden_host", "the Host header must name this admin listener"
                    + " (localhost, a loopback address or admin.bind); refused as a DNS-rebinding guard");
        }
        String origin = req.header("origin");
        if (origin != null && !isOwnOrigin(origin, hostPart(host), req.localPort())) {
            throw new ApiException(403, "forbidden_origin", "cross-origin requests to the admin API are refused"
                    + " (CSRF guard); call it from a script, not a web page");
        }
    }

    /**
     * The page that sent the request was served by this listener under the very name the request
     * uses: the Origin's host is the Host's (same-origin), and its port the listener's. Allowed
     * hosts alone are not enough: with a wildcard bind every IP literal is one, and a page of
     * another machine's address on the same port passed (found by review).
     */
    private boolean isOwnOrigin(String origin, String requestHost, int localPort) {
        String o = origin.toLowerCase(Locale.ROOT);
        if (!o.startsWith("http://")) {
            return false;
        }
        String authority = o.substring("http://".length());
        String host = hostPart(authority);
        String port = authority.substring(Math.min(authority.length(), rawHostLength(authority)));
        int p;
        if (port.isEmpty()) {
            p = 80;
        } else if (port.startsWith(":") && port.length() > 1 && port.length() <= 6
                && port.substring(1).chars().allMatch(Character::isDigit)) {
            p = Integer.parseInt(port.substring(1));
        } else {
            return false;
        }
        return p == localPort && host != null && host.equals(requestHost) && isAllowed(host);
    }

    boolean isAllowed(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        if (host.equals("localhost")) {
            return true;
        }
        InetAddress literal = ipLiteral(host);
        if (literal == null) {
            return host.equals(bindName);
        }
        return literal.isLoopbackAddress() || literal.equals(bindAddress)
                || (bindAddress != null && bindAddress.isAnyLocalAddress());
    }

    /** The host of a {@code Host}-style authority, lower case, IPv6 without brackets; null if malformed. */
    private static String hostPart(String authority) {
        String a = authority.trim().toLowerCase(Locale.ROOT);
        int len = rawHostLength(a);
        if (len < 0) {
            return null;
        }
        String rest = a.substring(len);
        if (!rest.isEmpty() && !(rest.startsWith(":") && rest.substring(1).chars().allMatch(Character::isDigit))) {
            return null;
        }
        return unbracket(a.substring(0, len));
    }

    /** Length of the host part of an authority (through {@code ]} for IPv6), or -1. */
    private static int rawHostLength(String a) {
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            return close < 0 ? -1 : close + 1;
        }
        int colon = a.indexOf(':');
        return colon < 0 ? a.length() : colon;
    }

    private static String unbracket(String h) {
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /** The address of an IP literal, or null for anything else (never a DNS lookup). */
    private static InetAddress ipLiteral(String h) {
        boolean v4 = IPV4.matcher(h).matches();
        if (!v4 && !IPV6.matcher(h).matches()) {
            return null;
        }
        if (v4) {
            for (String part : h.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(h);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}

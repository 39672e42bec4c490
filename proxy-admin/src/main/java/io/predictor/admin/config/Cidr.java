package io.predictor.admin.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}, for matching client
 * addresses (a listener's {@code trusted_proxies}). A bare address means that one host (/32 or /128).
 *
 * @param address      the network address (its host bits are zero)
 * @param prefixLength the number of leading bits that must match
 */
public record Cidr(InetAddress address, int prefixLength) {

    public Cidr {
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + bits);
        }
    }

    /**
     * Parses {@code ADDRESS/PREFIX} or a bare address.
     *
     * @throws IllegalArgumentException with a message that quotes the text and says what is valid
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = addr.indexOf(':') >= 0 ? IpLiterals.ipv6(addr) : IpLiterals.ipv4(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR: '" + addr + "' is not an IP address;"
                    + " expected ADDRESS/PREFIX, e.g. 10.0.0.0/8, 192.168.1.7/32 or fd00::/8");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            prefix = prefixLength(text.substring(slash + 1), bits);
            if (prefix < 0) {
                throw new IllegalArgumentException("'" + text + "' is not a CIDR: the prefix length must be a number"
                        + " from 0 to " + bits + " for an IPv" + (bits == 32 ? "4" : "6") + " address");
            }
        }
        byte[] network = mask(bytes, prefix);
        if (!Arrays.equals(network, bytes)) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR: it has host bits set after the first "
                    + prefix + "; did you mean " + format(network, prefix) + "?");
        }
        return new Cidr(toInetAddress(bytes), prefix);
    }

    /** Whether {@code client} is in this network; an IPv4-mapped address ({@code ::ffff:a.b.c.d}) matches as IPv4. */
    public boolean contains(InetAddress client) {
        byte[] net = address.getAddress();
        byte[] a = client.getAddress();
        int offset = 0;
        if (net.length == 4 && a.length == 16 && isIpv4Mapped(a)) {
            offset = 12;
        } else if (net.length != a.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[offset + i] != net[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int m = 0xff << (8 - rest) & 0xff;
        return (a[offset + full] & m) == (net[full] & m);
    }

    @Override
    public String toString() {
        return format(address.getAddress(), prefixLength);
    }

    private static int prefixLength(String s, int bits) {
        if (s.isEmpty() || s.length() > 3 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n <= bits ? n : -1;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    private static boolean isIpv4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static String format(byte[] bytes, int prefix) {
        return IpLiterals.format(bytes) + "/" + prefix;
    }

    private static InetAddress toInetAddress(byte[] bytes) {
        try {
            // a 16-byte IPv4-mapped address comes back as an Inet4Address; keep the bytes as written
            InetAddress a = InetAddress.getByAddress(bytes);
            return a.getAddress().length == bytes.length ? a : Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }
}

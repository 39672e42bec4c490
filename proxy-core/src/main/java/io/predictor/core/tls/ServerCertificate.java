package io.predictor.core.tls;

import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * One certificate of a TLS listener's directory ({@code NAME.crt} + {@code NAME.key}), as the
 * last (re)load read and checked it: the DNS names it is valid for and its expiry. Its server
 * context is built when a handshake first needs it ({@link CertificateStore#retainedContextLater}) and kept
 * in a bounded cache keyed by this instance. A reload that finds the files unchanged keeps the
 * same instance (and so its context and session cache); changed files make a new one.
 */
public final class ServerCertificate {

    /** The certificate a TLS connection was given (set on the client channel by {@link CertificateSelector}). */
    public static final AttributeKey<ServerCertificate> CHANNEL_ATTRIBUTE =
            AttributeKey.valueOf(ServerCertificate.class, "certificate");

    private final String name;
    private final List<String> dnsNames;
    private final byte[][] exact;
    /** Suffixes of the wildcard names, with their leading dot ({@code *.example.com} → {@code .example.com}). */
    private final byte[][] wildcardSuffixes;
    private final Instant notAfter;
    /**
     * Why the TLS engine refused the pair when its context was built (null: not refused, or not
     * built yet). Set once; the pair's names then get the default certificate until its files change.
     */
    private volatile String refusal;
    /**
     * Whether a failure to read the pair again for a build is reported already: one report a
     * streak of failures (under a descriptor flood every handshake would fail the same way),
     * until a read succeeds.
     */
    private final java.util.concurrent.atomic.AtomicBoolean readFailureReported =
            new java.util.concurrent.atomic.AtomicBoolean();

    ServerCertificate(String name, List<String> dnsNames, Instant notAfter) {
        this.name = name;
        this.dnsNames = List.copyOf(dnsNames);
        this.notAfter = notAfter;
        this.exact = dnsNames.stream().filter(n -> !n.startsWith("*."))
                .map(n -> n.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
        this.wildcardSuffixes = dnsNames.stream().filter(n -> n.startsWith("*."))
                .map(n -> n.substring(1).getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
    }

    /** The file name without {@code .crt}. */
    public String name() {
        return name;
    }

    /** The DNS names of the certificate (subject alternative names, lower case; {@code *.} for wildcards). */
    public List<String> dnsNames() {
        return dnsNames;
    }

    /** Why the TLS engine refused this pair, or null. */
    public String refusal() {
        return refusal;
    }

    void refuse(String why) {
        refusal = why;
    }

    /** Whether this read failure is the first since the pair was last read (to be reported). */
    boolean firstReadFailure() {
        return readFailureReported.compareAndSet(false, true);
    }

    /** The pair was read: the next read failure is reported again. */
    void readAgain() {
        readFailureReported.set(false);
    }

    public Instant notAfter() {
        return notAfter;
    }

    /**
     * Whether a client that validates this certificate accepts it for {@code host} (a normalised
     * host name: lower case, no port): an exact name, or a wildcard that stands for exactly one
     * label (RFC 6125 §6.4.3 — {@code *.example.com} covers {@code a.example.com}, not
     * {@code example.com} and not {@code a.b.example.com}).
     */
    public boolean covers(byte[] host, int len) {
        for (byte[] n : exact) {
            if (n.length == len && java.util.Arrays.equals(n, 0, len, host, 0, len)) {
                return true;
            }
        }
        int firstDot = -1;
        for (int i = 0; i < len; i++) {
            if (host[i] == '.') {
                firstDot = i;
                break;
            }
        }
        if (firstDot <= 0) {
            return false;
        }
        int suffixLen = len - firstDot;
        for (byte[] s : wildcardSuffixes) {
            if (s.length == suffixLen && java.util.Arrays.equals(s, 0, suffixLen, host, firstDot, len)) {
                return true;
            }
        }
        return false;
    }

    /** String form of {@link #covers(byte[], int)} (tests, logs). */
    public boolean covers(String host) {
        byte[] b = host.getBytes(StandardCharsets.US_ASCII);
        return covers(b, b.length);
    }

    @Override
    public String toString() {
        return name + " " + dnsNames;
    }
}

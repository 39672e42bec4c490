package io.predictor.core.routing;

import io.predictor.bench.SitesFileGenerator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the data plane does per request to route it: normalise the {@code Host} bytes into the
 * connection's scratch array ({@link HostName#normalize}) and look the name up in the snapshot
 * ({@link RoutingSnapshot#stateOf}) — over a 3,000,000-site table, for an exact hit, a wildcard
 * hit and a miss. Target (issue 4): ≤ 40 ns, and {@code -prof gc} shows
 * {@code gc.alloc.rate.norm} ≈ 0 B/op.
 *
 * <p>Each call takes the next of 4,096 random names of the file, so the table's arrays are read
 * from memory as a proxy's would be, not from a cache line that one name keeps warm.
 * {@code overrides} runtime changes sit in the overlay (0: a freshly loaded table).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseTransparentHugePages"})
public class TableLookupBenchmark {

    private static final int QUERIES = 4096;

    @Param("3000000")
    public int sites;

    @Param({"0", "1000"})
    public int overrides;

    private RoutingSnapshot snapshot;
    private byte[][] exact;
    private byte[][] wildcard;
    private byte[][] miss;
    private final byte[] scratch = new byte[HostName.MAX_LENGTH + 2];
    private int next;

    @Setup(Level.Trial)
    public void load() throws Exception {
        SitesFileParser.Result r = SitesFileParser.parse(SitesFileGenerator.cached(sites));
        if (!r.ok()) {
            throw new IllegalStateException("generated file does not load: " + r.problems());
        }
        SplittableRandom random = new SplittableRandom(42);
        List<SiteOverride> changes = new ArrayList<>();
        for (int k = 0; k < overrides; k++) {
            int line = random.nextInt(sites);
            if (!SitesFileGenerator.isWildcard(line)) {
                changes.add(new SiteOverride(SitesFileGenerator.host(line), SiteState.MIGRATED, null, k + 1));
            }
        }
        changes = new ArrayList<>(changes.stream().collect(
                java.util.stream.Collectors.toMap(SiteOverride::host, o -> o, (a, b) -> a)).values());
        snapshot = RoutingSnapshot.of(r.table(), changes, List.of(), overrides, SiteState.LEGACY);
        exact = new byte[QUERIES][];
        wildcard = new byte[QUERIES][];
        miss = new byte[QUERIES][];
        int wildcards = sites / SitesFileGenerator.WILDCARD_EVERY;
        for (int q = 0; q < QUERIES; q++) {
            int line;
            do {
                line = random.nextInt(sites);
            } while (SitesFileGenerator.isWildcard(line));
            exact[q] = ascii(SitesFileGenerator.host(line));
            int w = random.nextInt(Math.max(1, wildcards)) * SitesFileGenerator.WILDCARD_EVERY
                    + SitesFileGenerator.WILDCARD_EVERY / 2;
            wildcard[q] = ascii(SitesFileGenerator.underWildcard(w, q));
            miss[q] = ascii("www.no-such-site" + q + ".example.com");
        }
        check(exact, true);
        check(wildcard, true);
        check(miss, false);
    }

    private void check(byte[][] names, boolean found) {
        for (byte[] n : names) {
            int len = HostName.normalize(n, 0, n.length, scratch);
            if ((snapshot.stateOf(scratch, len) != null) != found) {
                throw new IllegalStateException("unexpected lookup result for " + new String(n, StandardCharsets.ISO_8859_1));
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private SiteState lookup(byte[][] names) {
        byte[] raw = names[next++ & (QUERIES - 1)];
        int len = HostName.normalize(raw, 0, raw.length, scratch);
        return snapshot.stateOf(scratch, len);
    }

    @Benchmark
    public SiteState exactHit() {
        return lookup(exact);
    }

    @Benchmark
    public SiteState wildcardHit() {
        return lookup(wildcard);
    }

    @Benchmark
    public SiteState miss() {
        return lookup(miss);
    }
}

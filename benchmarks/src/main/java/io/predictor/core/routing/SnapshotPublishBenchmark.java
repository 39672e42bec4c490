package io.predictor.core.routing;

import io.predictor.bench.SitesFileGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The data-plane side of an admin change on a 3,000,000-site table: build the next snapshot
 * (base + overlay, never a copy of the base) and publish it with one volatile write. Targets
 * (issue 4): a single change visible in ≤ 1 ms; a 10,000-site group flip answered in ≤ 10 ms
 * (the flip is one {@link GroupOverride}; the answer also counts the group's sites by state).
 *
 * <p>{@code pending} site overrides are already in the overlay. {@code singleChange} and
 * {@code groupFlip} derive the next snapshot from the one in service
 * ({@link RoutingSnapshot#with(SiteOverride)}, {@link RoutingSnapshot#with(GroupOverride)}), as
 * the control plane ({@code SiteService}) does; the {@code rebuild*} variants build it from
 * every pending override ({@link RoutingSnapshot#of(SiteTable, java.util.Collection,
 * java.util.Collection, long, SiteState)}), as the control plane did before, and as it still
 * does after a reload.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseTransparentHugePages"})
public class SnapshotPublishBenchmark {

    @Param("3000000")
    public int sites;

    @Param({"10", "10000"})
    public int pending;

    private SiteTable base;
    private Router router;
    private List<SiteOverride> overrides;
    private List<SiteOverride> overridesPlusOne;
    private String changedHost;
    private long revision;

    @Setup(Level.Trial)
    public void load() throws Exception {
        SitesFileParser.Result r = SitesFileParser.parse(SitesFileGenerator.cached(sites));
        if (!r.ok()) {
            throw new IllegalStateException("generated file does not load: " + r.problems());
        }
        base = r.table();
        router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
        overrides = new ArrayList<>();
        // distinct lines, spread over the file; never line 1 (the "new" change below)
        for (int k = 0; k < pending; k++) {
            int line = 2 + (int) ((long) k * (sites - 2) / pending);
            if (!SitesFileGenerator.isWildcard(line)) {
                overrides.add(new SiteOverride(SitesFileGenerator.host(line), SiteState.MAINTENANCE, null, k + 1));
            }
        }
        overridesPlusOne = new ArrayList<>(overrides);
        overridesPlusOne.add(new SiteOverride(SitesFileGenerator.host(1), SiteState.MAINTENANCE, null, pending + 1));
        revision = pending + 1;
        changedHost = SitesFileGenerator.host(1);
        router.publish(RoutingSnapshot.of(base, overrides, List.of(), revision, SiteState.LEGACY));
    }

    /**
     * One site changes (line 1, back and forth between two states, so the overlay stays at
     * {@code pending} + 1 entries): the next snapshot is the one in service plus this change.
     */
    @Benchmark
    public RoutingSnapshot singleChange() {
        long rev = ++revision;
        SiteState state = (rev & 1) == 0 ? SiteState.MAINTENANCE : SiteState.HOLD;
        RoutingSnapshot next = router.current().with(new SiteOverride(changedHost, state, null, rev));
        router.publish(next);
        return next;
    }

    /** {@code filer-00000} (10,000 sites) flips; the admin answer counts the group's sites. */
    @Benchmark
    public Map<SiteState, Integer> groupFlip() {
        long rev = ++revision;
        SiteState state = (rev & 1) == 0 ? SiteState.MAINTENANCE : SiteState.HOLD;
        RoutingSnapshot next = router.current().with(new GroupOverride(SitesFileGenerator.BIG_GROUP, state, rev));
        router.publish(next);
        return next.groupCountsByState(SitesFileGenerator.BIG_GROUP);
    }

    /** {@link #singleChange} the old way: the next snapshot rebuilt from every pending override plus this one. */
    @Benchmark
    public RoutingSnapshot rebuildSingleChange() {
        RoutingSnapshot next = RoutingSnapshot.of(base, overridesPlusOne, List.of(), ++revision, SiteState.LEGACY);
        router.publish(next);
        return next;
    }

    /** {@link #groupFlip} the old way: rebuilt from every pending override plus the group's. */
    @Benchmark
    public Map<SiteState, Integer> rebuildGroupFlip() {
        long rev = ++revision;
        RoutingSnapshot next = RoutingSnapshot.of(base, overrides,
                List.of(new GroupOverride(SitesFileGenerator.BIG_GROUP, SiteState.MAINTENANCE, rev)), rev, SiteState.LEGACY);
        router.publish(next);
        return next.groupCountsByState(SitesFileGenerator.BIG_GROUP);
    }
}

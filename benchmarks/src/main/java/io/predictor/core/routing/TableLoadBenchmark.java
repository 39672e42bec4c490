package io.predictor.core.routing;

import io.predictor.bench.SitesFileGenerator;
import java.nio.file.Path;
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
 * Loading the 3,000,000-line sites file ({@link SitesFileParser#parse}) in the heap the product
 * promises to fit in ({@code -Xmx256m}), single shot: the first iteration is what a start pays
 * (cold JIT); the later ones what a reload pays. Target (issue 4): ready to serve in ≤ 2 s.
 * {@link TableFootprint} reports the same from a fresh JVM, with the heap per site.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 5)
@Fork(value = 3, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:+UseTransparentHugePages",
        "-XX:PretenureSizeThreshold=1m"})
public class TableLoadBenchmark {

    @Param("3000000")
    public int sites;

    private Path file;

    @Setup(Level.Trial)
    public void generate() throws Exception {
        file = SitesFileGenerator.cached(sites);
    }

    @Benchmark
    public SiteTable parse() throws Exception {
        SitesFileParser.Result r = SitesFileParser.parse(file);
        if (!r.ok()) {
            throw new IllegalStateException(r.problems().toString());
        }
        return r.table();
    }
}

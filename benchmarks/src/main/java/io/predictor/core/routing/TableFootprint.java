package io.predictor.core.routing;

import io.predictor.bench.SitesFileGenerator;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * "Ready to serve 3,000,000 sites in ≤ 2 s in {@code -Xmx256m}, ≤ 48 bytes of heap a site"
 * (issue 4), checked from a fresh JVM the way the program starts: load the sites file, build
 * the first snapshot, route one request. Prints the load time, the time since the JVM started,
 * the table's own accounting ({@link SiteTable#footprintBytes}) and the heap it holds after a
 * full GC, per site.
 *
 * <pre>java -Xms256m -Xmx256m -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar \
 *     io.predictor.core.routing.TableFootprint [SITES_FILE | LINES]</pre>
 *
 * The last line is machine-readable ({@code key=value ...}) for the harness.
 */
public final class TableFootprint {

    private TableFootprint() {
    }

    public static void main(String[] args) throws Exception {
        Path file = args.length > 0 && !args[0].matches("\\d+") ? Path.of(args[0])
                : SitesFileGenerator.cached(args.length > 0 ? Integer.parseInt(args[0]) : SitesFileGenerator.DEFAULT_LINES);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();

        long t0 = System.nanoTime();
        SitesFileParser.Result r = SitesFileParser.parse(file);
        if (!r.ok()) {
            System.err.println(r.problems());
            System.exit(1);
        }
        SiteTable table = r.table();
        Router router = new Router(RoutingSnapshot.of(table, 0, SiteState.LEGACY));
        byte[] host = SitesFileGenerator.host(1).getBytes(StandardCharsets.ISO_8859_1);
        Route first = router.route(host, host.length);
        long loadMillis = (System.nanoTime() - t0) / 1_000_000;
        long readyMillis = System.currentTimeMillis() - jvmStartMillis;

        System.gc();
        long heapAfter = memory.getHeapMemoryUsage().getUsed();
        int n = table.size();
        long fileBytes = Files.size(file);
        long footprint = table.footprintBytes();
        double heapPerSite = (heapAfter - heapBefore) / (double) n;
        System.out.printf("sites file        %s (%,d bytes, %,d sites, %,d groups)%n", file, fileBytes, n,
                table.groupNames().length);
        System.out.printf("max heap          %,d MiB%n", Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("parse + snapshot  %,d ms (first route: %s)%n", loadMillis, first);
        System.out.printf("ready since JVM start %,d ms%n", readyMillis);
        System.out.printf("table arrays      %,d bytes = %.1f B/site (SiteTable.footprintBytes)%n", footprint,
                footprint / (double) n);
        System.out.printf("heap after GC     +%,d bytes = %.1f B/site%n", heapAfter - heapBefore, heapPerSite);
        System.out.printf("RESULT sites=%d load_ms=%d ready_ms=%d footprint_b_per_site=%.1f heap_b_per_site=%.1f max_heap_mib=%d%n",
                n, loadMillis, readyMillis, footprint / (double) n, heapPerSite, Runtime.getRuntime().maxMemory() >> 20);
        // keep the table reachable until the heap was measured
        if (router.current().base() != table) {
            throw new AssertionError();
        }
    }
}

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
        // the generator's class is loaded only when the file must be written: its start-up is not the product's
        Path file = args.length > 0 && !args[0].matches("\\d+") ? Path.of(args[0])
                : Path.of(System.getProperty("java.io.tmpdir"), "predictor-bench",
                        "sites-" + (args.length > 0 ? args[0] : "3000000") + ".txt");
        if (!Files.exists(file)) {
            SitesFileGenerator.write(file, Integer.parseInt(args.length > 0 ? args[0] : "3000000"));
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();

        // process CPU (this thread, the JIT compilers and the GC): what the load costs on a core of its own
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        SitesFileParser.Result r = SitesFileParser.parse(file);
        if (!r.ok()) {
            System.err.println(r.problems());
            System.exit(1);
        }
        SiteTable table = r.table();
        Router router = new Router(RoutingSnapshot.of(table, 0, SiteState.LEGACY));
        byte[] host = "www.example.com".getBytes(StandardCharsets.ISO_8859_1);
        Route first = router.route(host, host.length);
        long loadMillis = (System.nanoTime() - t0) / 1_000_000;
        long loadCpuMillis = (os.getProcessCpuTime() - cpu0) / 1_000_000;
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
        System.out.printf("parse + snapshot  %,d ms, %,d ms of process CPU (first route: %s)%n", loadMillis,
                loadCpuMillis, first);
        System.out.printf("ready since JVM start %,d ms%n", readyMillis);
        System.out.printf("table arrays      %,d bytes = %.1f B/site (SiteTable.footprintBytes)%n", footprint,
                footprint / (double) n);
        System.out.printf("heap after GC     +%,d bytes = %.1f B/site%n", heapAfter - heapBefore, heapPerSite);
        System.out.printf("RESULT sites=%d load_ms=%d load_cpu_ms=%d ready_ms=%d footprint_b_per_site=%.1f heap_b_per_site=%.1f max_heap_mib=%d%n",
                n, loadMillis, loadCpuMillis, readyMillis, footprint / (double) n, heapPerSite, Runtime.getRuntime().maxMemory() >> 20);
        // keep the table reachable until the heap was measured
        if (router.current().base() != table) {
            throw new AssertionError();
        }
    }
}

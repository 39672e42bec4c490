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
        int lines = args.length == 0 ? SitesFileGenerator.DEFAULT_LINES
                : args[0].matches("\\d+") ? Integer.parseInt(args[0]) : 0;
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
        if (lines > 0) {
            lookups(router.current(), lines);
        }
    }

    /**
     * The lookup cost in CPU time of this thread (best of 7 passes over 4,096 random names),
     * which — unlike JMH's wall-clock scores — does not grow when other processes take the core.
     */
    private static void lookups(RoutingSnapshot snapshot, int lines) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        byte[][][] sets = new byte[3][4096][];
        int wildcards = lines / SitesFileGenerator.WILDCARD_EVERY;
        for (int q = 0; q < 4096; q++) {
            int line;
            do {
                line = random.nextInt(lines);
            } while (SitesFileGenerator.isWildcard(line));
            sets[0][q] = SitesFileGenerator.host(line).getBytes(StandardCharsets.ISO_8859_1);
            int w = random.nextInt(Math.max(1, wildcards)) * SitesFileGenerator.WILDCARD_EVERY
                    + SitesFileGenerator.WILDCARD_EVERY / 2;
            sets[1][q] = SitesFileGenerator.underWildcard(w, q).getBytes(StandardCharsets.ISO_8859_1);
            sets[2][q] = ("www.no-such-site" + q + ".example.com").getBytes(StandardCharsets.ISO_8859_1);
        }
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        byte[] scratch = new byte[HostName.MAX_LENGTH + 2];
        String[] kinds = {"exact", "wildcard", "miss"};
        StringBuilder result = new StringBuilder("LOOKUP");
        int sink = 0;
        for (int k = 0; k < 3; k++) {
            double best = Double.MAX_VALUE;
            for (int pass = 0; pass < 8; pass++) {
                long c0 = threads.getCurrentThreadCpuTime();
                int n = 0;
                for (int round = 0; round < 200; round++) {
                    for (byte[] raw : sets[k]) {
                        int len = HostName.normalize(raw, 0, raw.length, scratch);
                        SiteState st = snapshot.stateOf(scratch, len);
                        sink += st == null ? 1 : st.ordinal();
                        n++;
                    }
                }
                double ns = (threads.getCurrentThreadCpuTime() - c0) / (double) n;
                if (pass > 0) { // the first pass compiles
                    best = Math.min(best, ns);
                }
            }
            System.out.printf("lookup %-9s %.1f ns (normalise + stateOf, CPU time, best of 7 × 819,200)%n", kinds[k], best);
            result.append(String.format(" %s_ns=%.1f", kinds[k], best));
        }
        System.out.println(result + (sink == 42 ? " " : ""));
    }
}

package io.predictor.core.tls;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How long a TLS listener takes to load a directory of certificates (PEM pairs {@code NAME.crt}
 * + {@code NAME.key}), as at start, from a fresh JVM, then again in the same JVM (warm: what a
 * reload of every pair costs). Two times a round: <em>ready</em>, when {@link CertificateStore#load}
 * returns (every pair read and checked, the default's TLS context built: the listener can bind),
 * and <em>all built</em>, when the warm-up that follows has built every pair's context (with
 * {@code CONTEXT_CACHE} at least the number of pairs; the default, 10,000). Prints wall and
 * process CPU time, per certificate, and a {@code RESULT} line for scripts.
 * {@code benchmarks/run.sh} makes the directory with openssl ({@code CERTS}, default 1,000 pairs).
 *
 * <pre>
 * taskset -c 0 java -cp benchmarks/target/benchmarks.jar io.predictor.core.tls.CertificateLoad DIR [ROUNDS [CONTEXT_CACHE]]
 * </pre>
 */
public final class CertificateLoad {

    private CertificateLoad() {
    }

    /** The process's resident set (heap touched so far, and native memory such as the TLS contexts). */
    private static long rssMegabytes() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int contextCache = args.length > 2 ? Integer.parseInt(args[2]) : CertificateStore.DEFAULT_CONTEXT_CACHE;
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        int[] count = new int[1];
        CertificateStore.Listener listener = new CertificateStore.Listener() {
            @Override
            public void loaded(Path directory, List<ServerCertificate> certificates, String defaultName) {
                count[0] = certificates.size();
            }

            @Override
            public void problem(Path file, String message) {
                System.err.println(file + ": " + message);
            }
        };
        long[] first = null;
        long[] best = null;
        for (int r = 0; r < rounds; r++) {
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            try (CertificateStore store = CertificateStore.load(dir, contextCache, listener)) {
                long readyMs = (System.nanoTime() - t0) / 1_000_000;
                long readyCpuMs = (os.getProcessCpuTime() - cpu0) / 1_000_000;
                long target = Math.min(count[0], contextCache);
                while (store.contextsBuilt() < target) {
                    Thread.sleep(1);
                }
                long allMs = (System.nanoTime() - t0) / 1_000_000;
                long allCpuMs = (os.getProcessCpuTime() - cpu0) / 1_000_000;
                System.out.printf("round %d: %,d certificates ready in %,d ms (%,d ms of process CPU, %.2f ms a"
                        + " certificate); %,d contexts built in %,d ms (%,d ms CPU, %.2f ms a certificate); process"
                        + " RSS %,d MB%n", r + 1, count[0], readyMs, readyCpuMs, readyMs / (double) Math.max(1, count[0]),
                        target, allMs, allCpuMs, allMs / (double) Math.max(1, target), rssMegabytes());
                long[] now = {readyMs, readyCpuMs, allMs, allCpuMs};
                if (r == 0) {
                    first = now;
                } else if (best == null || now[2] < best[2]) {
                    best = now;
                }
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        if (best == null) {
            best = first;
        }
        System.out.printf("RESULT certificates=%d first_ms=%d first_cpu_ms=%d first_all_ms=%d first_all_cpu_ms=%d"
                + " warm_ms=%d warm_all_ms=%d%n", count[0], first[0], first[1], first[2], first[3], best[0], best[2]);
    }
}

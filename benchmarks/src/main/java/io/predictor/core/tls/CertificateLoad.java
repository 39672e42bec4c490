package io.predictor.core.tls;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

/**
 * How long a TLS listener takes to load a directory of certificates (PEM pairs {@code NAME.crt}
 * + {@code NAME.key}), as at start: {@link CertificateStore#load}, from a fresh JVM, then again
 * in the same JVM (warm: what a reload of every pair costs). Prints wall and process CPU time,
 * per certificate, and a {@code RESULT} line for scripts. {@code benchmarks/run.sh} makes the
 * directory with openssl ({@code CERTS}, default 1,000 pairs).
 *
 * <pre>
 * taskset -c 0 java -cp benchmarks/target/benchmarks.jar io.predictor.core.tls.CertificateLoad DIR [ROUNDS]
 * </pre>
 */
public final class CertificateLoad {

    private CertificateLoad() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
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
        long first = 0;
        long best = Long.MAX_VALUE;
        long firstCpu = 0;
        for (int r = 0; r < rounds; r++) {
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            try (CertificateStore store = CertificateStore.load(dir, listener)) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                long cpuMs = (os.getProcessCpuTime() - cpu0) / 1_000_000;
                System.out.printf("round %d: %,d certificates in %,d ms (%,d ms of process CPU), %.2f ms a certificate%n",
                        r + 1, count[0], ms, cpuMs, ms / (double) Math.max(1, count[0]));
                if (r == 0) {
                    first = ms;
                    firstCpu = cpuMs;
                } else {
                    best = Math.min(best, ms);
                }
            }
        }
        System.out.printf("RESULT certificates=%d first_ms=%d first_cpu_ms=%d warm_ms=%d%n", count[0], first, firstCpu,
                best == Long.MAX_VALUE ? first : best);
    }
}

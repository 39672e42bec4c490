package io.predictor.core.testing;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A data plane in a child JVM with its own heap and direct-memory limits, so a test can prove
 * that a body passes with bounded memory. The child routes {@code migrated.test} to the first
 * origin port and everything else to the second, and prints {@code PORT <n>} when listening.
 */
public final class ChildProxy implements AutoCloseable {

    private final Process process;
    private final InetSocketAddress address;

    public ChildProxy(int localPort, int legacyPort, String... jvmOptions) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmOptions));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ChildProxy.class.getName());
        cmd.add(Integer.toString(localPort));
        cmd.add(Integer.toString(legacyPort));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        int port = -1;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            if (line.startsWith("PORT ")) {
                port = Integer.parseInt(line.substring(5).trim());
                break;
            }
            seen.append(line).append('\n');
        }
        if (port < 0) {
            process.destroyForcibly();
            throw new IOException("child proxy did not start:\n" + seen);
        }
        address = new InetSocketAddress("127.0.0.1", port);
        Thread drain = new Thread(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // the child is gone
            }
        });
        drain.setDaemon(true);
        drain.start();
    }

    public InetSocketAddress address() {
        return address;
    }

    /** The child's resident memory in KiB (VmRSS), or -1 when it cannot be read. */
    public long residentKib() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    public static void main(String[] args) throws Exception {
        SiteTable.Builder b = new SiteTable.Builder(1, 64, 0, 0);
        b.add("migrated.test", SiteState.MIGRATED, null);
        TestProxy proxy = new TestProxy(b.build(),
                new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])),
                new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])));
        System.out.println("PORT " + proxy.address().getPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}

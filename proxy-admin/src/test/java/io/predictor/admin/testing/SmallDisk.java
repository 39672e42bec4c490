package io.predictor.admin.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real, tiny file system (tmpfs of a given size) for tests of what a full disk does. Needs root
 * and the right to mount (CI runs as root); elsewhere the test is skipped, not passed.
 */
public final class SmallDisk implements AutoCloseable {

    private final Path path;

    private SmallDisk(Path path) {
        this.path = path;
    }

    /** Mounts a tmpfs of {@code bytes} on a new temporary directory; skips the test where that is not allowed. */
    public static SmallDisk mount(long bytes) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("predictor-small-disk");
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        boolean mounted = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!mounted) {
            Files.deleteIfExists(dir);
        }
        assumeTrue(mounted, () -> "cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN): " + out.strip());
        return new SmallDisk(dir);
    }

    public Path path() {
        return path;
    }

    /** Writes {@code file} until the disk is full. */
    public void fill(Path file) throws IOException {
        byte[] page = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(page);
                out.flush();
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // lazily: a mapped file (the journal maps its segments) keeps the mount busy until a GC unmaps it
        Process p = new ProcessBuilder("umount", "-l", path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("umount " + path + ": " + out.strip());
        }
        Files.delete(path);
    }
}

package io.predictor.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends bytes through a relay to an echoing origin and asserts that the same bytes come back
 * (by SHA-256). Reads on another thread while writing in 64 KiB pieces, so a relay that
 * applies backpressure cannot deadlock the test.
 */
public final class EchoRoundTrip {

    private EchoRoundTrip() {
    }

    public static void assertEchoedIntact(InetSocketAddress relay, byte[] data) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(relay, 5000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.readNBytes(data.length);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            for (int off = 0; off < data.length; off += 65536) {
                out.write(data, off, Math.min(65536, data.length - off));
            }
            out.flush();
            byte[] got = back.get(30, TimeUnit.SECONDS);
            assertThat(MessageDigest.getInstance("SHA-256").digest(got))
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        }
    }
}

package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.testing.ChildProxy;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Bodies stream: a 1 GiB upload and a 1 GiB download pass intact through a proxy whose JVM has
 * 64 MiB of heap and 64 MiB of direct memory (SPEC §6: never buffered whole).
 */
class LargeBodyIT {

    static final long GIB = 1L << 30;
    static final String[] SMALL_JVM = {"-Xmx64m", "-XX:MaxDirectMemorySize=64m", "-Dio.netty.leakDetection.level=disabled"};

    /** Deterministic content: byte i is (i * 31 + i / 4093) mod 256. */
    static void fill(byte[] buf, long offset, int len) {
        for (int i = 0; i < len; i++) {
            long p = offset + i;
            buf[i] = (byte) (p * 31 + p / 4093);
        }
    }

    static long crcOfPattern(long total) {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        for (long off = 0; off < total; off += buf.length) {
            int n = (int) Math.min(buf.length, total - off);
            fill(buf, off, n);
            crc.update(buf, 0, n);
        }
        return crc.getValue();
    }

    @Test
    void oneGibDownloadPassesIntactWithBoundedMemory() throws Exception {
        try (RawOrigin origin = new RawOrigin(s -> {
                    RawOrigin.readHead(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + GIB + "\r\n\r\n").getBytes());
                    byte[] buf = new byte[1 << 16];
                    for (long off = 0; off < GIB; off += buf.length) {
                        fill(buf, off, buf.length);
                        out.write(buf);
                    }
                    out.flush();
                });
                ChildProxy proxy = new ChildProxy(origin.address().getPort(), origin.address().getPort(), SMALL_JVM);
                RawClient c = new RawClient(proxy.address())) {
            c.send("GET /big HTTP/1.1\r\nHost: migrated.test\r\n\r\n");
            InputStream in = c.input();
            String head = RawOrigin.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + GIB);
            CRC32 crc = new CRC32();
            byte[] buf = new byte[1 << 16];
            long total = 0;
            int n;
            while (total < GIB && (n = in.read(buf, 0, (int) Math.min(buf.length, GIB - total))) > 0) {
                crc.update(buf, 0, n);
                total += n;
            }
            assertThat(total).isEqualTo(GIB);
            assertThat(crc.getValue()).isEqualTo(crcOfPattern(GIB));
            assertThat(proxy.isAlive()).isTrue();
        }
    }

    @Test
    void oneGibChunkedUploadPassesIntactWithBoundedMemory() throws Exception {
        AtomicLong received = new AtomicLong();
        try (RawOrigin origin = new RawOrigin(s -> {
                    InputStream in = s.getInputStream();
                    RawOrigin.readHead(in);
                    // de-chunk and checksum what arrives
                    CRC32 crc = new CRC32();
                    byte[] buf = new byte[1 << 16];
                    long total = 0;
                    while (true) {
                        StringBuilder size = new StringBuilder();
                        int ch;
                        while ((ch = in.read()) != '\n') {
                            size.append((char) ch);
                        }
                        int chunk = Integer.parseInt(size.toString().trim(), 16);
                        if (chunk == 0) {
                            in.readNBytes(2);
                            break;
                        }
                        int left = chunk;
                        while (left > 0) {
                            int n = in.read(buf, 0, Math.min(buf.length, left));
                            crc.update(buf, 0, n);
                            left -= n;
                            total += n;
                        }
                        in.readNBytes(2);
                    }
                    received.set(total);
                    String body = Long.toString(crc.getValue());
                    RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                });
                ChildProxy proxy = new ChildProxy(origin.address().getPort(), origin.address().getPort(), SMALL_JVM);
                RawClient c = new RawClient(proxy.address())) {
            c.send("POST /upload HTTP/1.1\r\nHost: migrated.test\r\nTransfer-Encoding: chunked\r\n\r\n");
            OutputStream out = c.output();
            byte[] buf = new byte[1 << 16];
            byte[] sizeLine = (Integer.toHexString(buf.length) + "\r\n").getBytes();
            for (long off = 0; off < GIB; off += buf.length) {
                fill(buf, off, buf.length);
                out.write(sizeLine);
                out.write(buf);
                out.write('\r');
                out.write('\n');
            }
            out.write("0\r\n\r\n".getBytes());
            out.flush();
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(received.get()).isEqualTo(GIB);
            assertThat(r.bodyText()).isEqualTo(Long.toString(crcOfPattern(GIB)));
        }
    }
}

package io.predictor.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request head work of the data plane: {@link HeadParser} on a typical browser request
 * (~500 bytes, 12 fields) and on a typical origin response, and {@link HeadWriter} writing the
 * request on with the forwarding edits — from a direct buffer, as the epoll transport delivers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeadParseBenchmark {

    /** What Chrome sends for a page (cookies trimmed to a typical size). */
    static final String BROWSER_REQUEST = "GET /shop/category/garden-furniture?page=2&sort=price HTTP/1.1\r\n"
            + "Host: www.bright-harbour17.de\r\n"
            + "Connection: keep-alive\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
            + "Referer: http://www.bright-harbour17.de/shop/\r\n"
            + "Accept-Encoding: gzip, deflate\r\n"
            + "Accept-Language: de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7\r\n"
            + "Cookie: sid=7f3a9c2e41b84d0e; cart=3; consent=1\r\n"
            + "\r\n";

    static final String ORIGIN_RESPONSE = "HTTP/1.1 200 OK\r\n"
            + "Server: nginx\r\n"
            + "Date: Mon, 03 Nov 2025 10:15:42 GMT\r\n"
            + "Content-Type: text/html; charset=utf-8\r\n"
            + "Content-Length: 5120\r\n"
            + "Connection: keep-alive\r\n"
            + "Cache-Control: no-cache\r\n"
            + "Set-Cookie: sid=7f3a9c2e41b84d0e; Path=/; HttpOnly\r\n"
            + "\r\n";

    private static final byte[] CLIENT = "192.0.2.33".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROTO = "http".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INSTANCE = "predictor-bench".getBytes(StandardCharsets.US_ASCII);

    private final HeadParser parser = new HeadParser(16384, 100, 8192);
    private final HttpHead head = parser.newHead();
    private ByteBuf request;
    private ByteBuf response;
    private ByteBuf out;

    @Setup
    public void setUp() {
        request = direct(BROWSER_REQUEST);
        response = direct(ORIGIN_RESPONSE);
        out = Unpooled.directBuffer(4096);
        if (parseRequest() != request.readableBytes() || parseResponse() != response.readableBytes()) {
            throw new IllegalStateException("the sample heads do not parse: " + parser.error());
        }
    }

    @TearDown
    public void tearDown() {
        request.release();
        response.release();
        out.release();
    }

    private static ByteBuf direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(b.length).writeBytes(b);
    }

    @Benchmark
    public int parseRequest() {
        request.readerIndex(0);
        return parser.parseRequest(request, head);
    }

    @Benchmark
    public int parseResponse() {
        response.readerIndex(0);
        return parser.parseResponse(response, head);
    }

    /** Parse plus the head the origin gets (what the proxy does per request, minus I/O). */
    @Benchmark
    public int parseAndWriteRequest() {
        request.readerIndex(0);
        int r = parser.parseRequest(request, head);
        out.clear();
        HeadWriter.writeRequest(head, out, CLIENT, PROTO, false, INSTANCE, false, null, 0, 0);
        return r + out.writerIndex();
    }
}

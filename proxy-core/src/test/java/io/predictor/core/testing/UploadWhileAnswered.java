package io.predictor.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client that sends a request and its whole body from one thread while it reads the answer on
 * another, as a browser or the JDK's HTTP client does: what a server that answers before the end
 * of the body (and then closes) does to such a client — whether the answer arrives, and whether
 * the rest of the body was taken or met a reset.
 */
public final class UploadWhileAnswered {

    /** What the client read, and the exception its writing thread met (null: the body went out whole). */
    public record Result(String answer, Exception writeFailure) {
    }

    private UploadWhileAnswered() {
    }

    /**
     * Writes {@code head} and {@code body} on {@code s} from another thread; reads up to
     * {@code answerLimit} bytes of the answer (fewer at the end of the stream), then waits up to
     * 10 s for the writer.
     */
    public static Result send(Socket s, String head, byte[] body, int answerLimit) throws Exception {
        AtomicReference<Exception> writeFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            } catch (Exception e) {
                writeFailure.set(e);
            }
        });
        writer.start();
        String answer = read(s.getInputStream(), answerLimit);
        writer.join(10_000);
        return new Result(answer, writeFailure.get());
    }

    private static String read(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (got.size() < limit) {
            int n = in.read(buf, 0, Math.min(buf.length, limit - got.size()));
            if (n < 0) {
                break;
            }
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }
}

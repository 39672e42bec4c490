package io.predictor.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An origin that terminates TLS itself (what TLS passthrough relays to): answers every request
 * with its name. It may expect a PROXY protocol header first; the last one it read is kept.
 */
public final class TlsOrigin implements AutoCloseable {

    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tls-origin");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicReference<String> lastProxyHeader = new AtomicReference<>();

    /** @param proxyV1 whether each connection starts with a PROXY v1 line (read before the TLS handshake) */
    public TlsOrigin(SSLContext context, String name, boolean proxyV1) throws IOException {
        java.net.ServerSocket plain = new java.net.ServerSocket();
        plain.bind(new InetSocketAddress("127.0.0.1", 0));
        threads.execute(() -> {
            while (!plain.isClosed()) {
                try {
                    Socket raw = plain.accept();
                    accepted.incrementAndGet();
                    threads.execute(() -> serve(context, raw, name, proxyV1));
                } catch (IOException e) {
                    return;
                }
            }
        });
        this.plain = plain;
    }

    private final java.net.ServerSocket plain;

    private void serve(SSLContext context, Socket raw, String name, boolean proxyV1) {
        try (raw) {
            InputStream in = raw.getInputStream();
            if (proxyV1) {
                StringBuilder line = new StringBuilder();
                int c;
                while ((c = in.read()) != -1 && c != '\n') {
                    line.append((char) c);
                }
                lastProxyHeader.set(line.toString().trim());
            }
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, null, true);
            tls.setUseClientMode(false);
            tls.startHandshake();
            InputStream tin = tls.getInputStream();
            while (RawOrigin.readHead(tin) != null) {
                byte[] body = name.getBytes(StandardCharsets.US_ASCII);
                tls.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().write(body);
                tls.getOutputStream().flush();
            }
        } catch (IOException e) {
            // the test decides what a broken connection means
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", plain.getLocalPort());
    }

    public int accepted() {
        return accepted.get();
    }

    public String lastProxyHeader() {
        return lastProxyHeader.get();
    }

    @Override
    public void close() throws IOException {
        plain.close();
        threads.shutdownNow();
    }
}

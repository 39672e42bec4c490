package io.predictor.admin.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * {@code --demo}: two small origin servers in the process, "local" and "legacy", each answering
 * every request with its own name and the Host it was asked for, so that a newcomer can see
 * where a request went with nothing but curl.
 */
public final class DemoOrigins implements AutoCloseable {

    private final List<HttpServer> servers = new ArrayList<>();

    /** Starts an origin named {@code name} on {@code address}. */
    public void start(String name, InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 64);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                String host = exchange.getRequestHeaders().getFirst("Host");
                byte[] body = ("Hello from " + name + " (Host: " + host + ")\n").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.getResponseHeaders().set("X-Origin", name);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "demo-" + name);
            t.setDaemon(true);
            return t;
        }));
        server.start();
        servers.add(server);
    }

    @Override
    public void close() {
        for (HttpServer s : servers) {
            s.stop(0);
        }
    }
}

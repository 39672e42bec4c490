package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where the site a request is routed by and the one its origin serves could differ, or the proxy
 * and the origin could frame one byte stream differently (found by review; each case failed
 * before): Connection options naming Content-Length, Transfer-Encoding or Host, a second
 * Connection field, an origin's Connection option naming its framing, absolute-form targets of
 * other schemes, and absolute-form targets sent on as they came (nginx prefers a request line's
 * authority over Host). The origin is a plain keep-alive HTTP/1.1 server that frames requests the
 * way nginx does (Content-Length, chunked, otherwise no body) and records every head it parses.
 */
class ConnectionOptionsAndTargetsIT {

    static final Queue<String> HEADS = new ConcurrentLinkedQueue<>();
    static RawOrigin origin;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        origin = new RawOrigin(ConnectionOptionsAndTargetsIT::serve);
        SiteTable.Builder b = new SiteTable.Builder(16, 64, 0, 0);
        b.add("www.migrated.example", SiteState.MIGRATED, null);
        b.add("down.example", SiteState.MAINTENANCE, null);
        proxy = new TestProxy(b.build(), origin.address(), origin.address());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        origin.close();
    }

    @BeforeEach
    void clear() throws Exception {
        Thread.sleep(400); // answers of a previous test's smuggled request are out of the way
        HEADS.clear();
    }

    static void serve(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        InputStream in = new BufferedInputStream(s.getInputStream());
        while (true) {
            String head = RawOrigin.readHead(in);
            if (head == null) {
                return;
            }
            HEADS.add(head);
            String lower = head.toLowerCase(Locale.ROOT);
            long cl = contentLength(lower);
            if (cl > 0) {
                in.readNBytes((int) cl);
            } else if (lower.contains("\r\ntransfer-encoding: chunked\r\n")) {
                readChunked(in);
            }
            String line = head.substring(0, head.indexOf("\r\n"));
            if (line.contains("/cl-hop")) {
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nhello");
            } else if (line.contains("/smuggled")) {
                Thread.sleep(300); // a slow page: the connection is back in the proxy's pool meanwhile
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\nsmuggled-response");
            } else {
                RawOrigin.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        }
    }

    static long contentLength(String lowerHead) {
        int i = lowerHead.indexOf("\r\ncontent-length:");
        if (i < 0) {
            return -1;
        }
        int e = lowerHead.indexOf("\r\n", i + 2);
        return Long.parseLong(lowerHead.substring(i + 17, e).trim());
    }

    static void readChunked(InputStream in) throws IOException {
        while (true) {
            String size = line(in);
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0) {
                while (!line(in).isEmpty()) {
                    // trailers
                }
                return;
            }
            in.readNBytes(n);
            line(in);
        }
    }

    static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            sb.append((char) c);
        }
        return sb.toString().replace("\r", "");
    }

    static List<String> heads() {
        return new ArrayList<>(HEADS);
    }

    // ---- Connection options that name framing or routing fields --------------------------------

    /**
     * {@code Connection: content-length}: the proxy framed the body by Content-Length but dropped
     * the field (it is "named by Connection"), so the origin saw a request without a body, and the
     * body — a whole request for a site in maintenance — as the next request.
     */
    @Test
    void connectionNamingContentLengthSmugglesTheBodyAsARequest() throws Exception {
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: down.example\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n";
        try (RawClient client = new RawClient(proxy.address())) {
            client.send("POST /upload HTTP/1.1\r\nHost: www.migrated.example\r\nConnection: content-length\r\n"
                    + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled);
            assertThat(client.read().status()).isEqualTo(200);
        }
        Thread.sleep(200);
        assertThat(heads()).as("heads the origin parsed").noneMatch(h -> h.startsWith("GET /smuggled"));
    }

    /**
     * The same, and the answer to the smuggled request goes to the next client whose request
     * reuses the pooled origin connection (response queue poisoning).
     */
    @Test
    void theSmuggledRequestsAnswerReachesAnotherClient() throws Exception {
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: down.example\r\n\r\n";
        try (RawClient attacker = new RawClient(proxy.address())) {
            attacker.send("POST /upload HTTP/1.1\r\nHost: www.migrated.example\r\nConnection: content-length\r\n"
                    + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled);
            assertThat(attacker.read().bodyText()).isEqualTo("ok");
        }
        Thread.sleep(100);
        try (RawClient victim = new RawClient(proxy.address())) {
            RawClient.Response r = victim.get("www.migrated.example", "/victim");
            assertThat(r.bodyText()).as("the victim's own answer").isEqualTo("ok");
        }
    }

    /** {@code Connection: transfer-encoding}: a chunked body goes to the origin with no framing field. */
    @Test
    void connectionNamingTransferEncodingUnframesAChunkedBody() throws Exception {
        try (RawClient client = new RawClient(proxy.address())) {
            client.send("POST /upload HTTP/1.1\r\nHost: www.migrated.example\r\nConnection: transfer-encoding\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            client.read();
        }
        Thread.sleep(200);
        assertThat(heads()).as("heads the origin parsed").hasSize(1);
        assertThat(heads().get(0)).contains("Transfer-Encoding: chunked");
    }

    /** {@code Connection: host}: the request is routed by its Host, and reaches the origin without one. */
    @Test
    void connectionNamingHostStripsTheHostTheRequestWasRoutedBy() throws Exception {
        try (RawClient client = new RawClient(proxy.address())) {
            client.send("GET / HTTP/1.1\r\nHost: www.migrated.example\r\nConnection: host\r\n\r\n");
            client.read();
        }
        assertThat(heads()).hasSize(1);
        assertThat(heads().get(0)).as("forwarded head").containsIgnoringCase("\r\nHost: www.migrated.example\r\n");
    }

    /** Two Connection fields: the options of the first are forgotten for the fields after it. */
    @Test
    void aFieldNamedByTheFirstOfTwoConnectionFieldsIsForwarded() throws Exception {
        try (RawClient client = new RawClient(proxy.address())) {
            client.send("GET / HTTP/1.1\r\nHost: www.migrated.example\r\nConnection: x-hop\r\nX-Hop: secret\r\n"
                    + "Connection: keep-alive\r\n\r\n");
            client.read();
        }
        assertThat(heads()).hasSize(1);
        assertThat(heads().get(0)).as("forwarded head").doesNotContainIgnoringCase("x-hop");
    }

    /**
     * An origin's {@code Connection: content-length}: the proxy frames the body by it, drops
     * the field and keeps the client connection open — the client has no way to find the end.
     */
    @Test
    void aResponseConnectionNamingContentLengthLeavesTheClientWithoutFraming() throws Exception {
        try (RawClient client = new RawClient(proxy.address())) {
            client.send("GET /cl-hop HTTP/1.1\r\nHost: www.migrated.example\r\n\r\n");
            String head = RawOrigin.readHead(client.input()).toLowerCase(Locale.ROOT);
            assertThat(head).as("response head relayed to the client")
                    .containsAnyOf("\r\ncontent-length:", "\r\ntransfer-encoding:", "\r\nconnection: close");
        }
    }

    // ---- absolute-form targets ----------------------------------------------------------------------

    /**
     * {@code GET foo://down.example/}: the proxy treated only http(s) targets as absolute-form, so
     * it routed by Host (a migrated site) while nginx (1.22, checked by hand) serves the site the
     * target names — here one in maintenance, which must never reach an origin. Now 400.
     */
    @Test
    void anAbsoluteTargetWithAnotherSchemeIsRoutedByHostButServedByItsAuthority() throws Exception {
        int status;
        try (RawClient client = new RawClient(proxy.address())) {
            client.send("GET foo://down.example/ HTTP/1.1\r\nHost: www.migrated.example\r\n\r\n");
            status = client.read().status();
        }
        assertThat(heads()).as("what reached the origin").isEmpty();
        assertThat(status).isIn(400, 503);
    }

    /**
     * Preview routing with an absolute-form target: Host was rewritten to the site's name but the
     * request line still named the preview host, which nginx prefers over Host.
     */
    @Test
    void aPreviewRequestInAbsoluteFormStillNamesThePreviewHostToTheOrigin() throws Exception {
        try (RawClient client = new RawClient(proxy.address())) {
            client.send("GET http://www.migrated.example.preview.test/ HTTP/1.1\r\n"
                    + "Host: www.migrated.example.preview.test\r\n\r\n");
            client.read();
        }
        assertThat(heads()).hasSize(1);
        String head = heads().get(0);
        assertThat(head.substring(0, head.indexOf("\r\n"))).as("request line the origin got")
                .doesNotContain(".preview.test");
    }

    /** An absolute-form target goes out in origin-form, its authority as Host (RFC 9112 §3.2.2). */
    @Test
    void anAbsoluteFormTargetGoesOutInOriginForm() throws Exception {
        try (RawClient client = new RawClient(proxy.address())) {
            client.send("GET http://WWW.Migrated.example:80/a/b?x=1 HTTP/1.1\r\nHost: down.example\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(200);
            client.send("GET http://www.migrated.example?q=2 HTTP/1.1\r\nHost: www.migrated.example\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(200);
        }
        assertThat(heads()).extracting(h -> h.substring(0, h.indexOf("\r\n")))
                .containsExactly("GET /a/b?x=1 HTTP/1.1", "GET /?q=2 HTTP/1.1");
        assertThat(heads().get(0)).contains("\r\nHost: WWW.Migrated.example:80\r\n").doesNotContain("down.example");
    }
}

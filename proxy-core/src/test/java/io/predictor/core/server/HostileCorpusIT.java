package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.testing.HostileCase;
import io.predictor.core.testing.RawClient;
import io.predictor.core.testing.RawOrigin;
import io.predictor.core.testing.TestProxy;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every request of the hostile corpus ({@code corpus/hostile}) gets the status the corpus says
 * and reaches no origin (for chunked-body flaws: never more than the head and the first bytes,
 * and the origin connection is aborted).
 */
class HostileCorpusIT {

    /** What one origin connection received, once it ended. */
    static final Queue<String> RECEIVED = new ConcurrentLinkedQueue<>();
    static RawOrigin origin;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        origin = new RawOrigin(s -> {
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } finally {
                RECEIVED.add(got.toString(StandardCharsets.ISO_8859_1));
            }
        });
        SiteTable.Builder b = new SiteTable.Builder(2, 64, 0, 0);
        b.add("victim.example", SiteState.MIGRATED, null);
        proxy = new TestProxy(b.build(), origin.address(), origin.address());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        origin.close();
    }

    @BeforeEach
    void clear() {
        RECEIVED.clear();
    }

    static List<HostileCase> cases() throws Exception {
        return HostileCase.all();
    }

    @Test
    void theCorpusHasAtLeastFortyCases() throws Exception {
        assertThat(cases()).hasSizeGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedAndReachesNoOrigin(HostileCase c) throws Exception {
        int accepted = origin.accepted();
        try (RawClient client = new RawClient(proxy.address())) {
            client.send(c.request());
            RawClient.Response r = client.read();
            assertThat(r.status()).as(c.why()).isEqualTo(c.expect());
            assertThat(client.closedByPeer()).as("the connection is closed after a refused request").isTrue();
        }
        if (!c.headOnly()) {
            Thread.sleep(50);
            assertThat(origin.accepted()).as("no origin connection was opened").isEqualTo(accepted);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (RECEIVED.isEmpty() && origin.accepted() > accepted) {
            assertThat(System.nanoTime()).as("the origin connection was aborted").isLessThan(deadline);
            Thread.sleep(10);
        }
        for (String got : RECEIVED) {
            assertThat(got.split("HTTP/1.1\r\n", -1)).as("at most the one head: " + got).hasSizeLessThanOrEqualTo(2);
            assertThat(got).doesNotContain("smuggled");
        }
    }
}

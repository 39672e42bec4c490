package io.predictor.admin.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.testing.Tables;
import io.predictor.core.routing.GroupOverride;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteOverride;
import io.predictor.core.routing.SiteState;
import io.predictor.core.server.SiteMatcher;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The barrier's matchers on the bytes the data plane keeps: which exchanges each selects, and
 * that they allocate nothing — they run on the event loops for every exchange in flight at every
 * 10 ms poll of every pending barrier (they made a String and a SiteView for each before).
 */
class DrainBarrierMatchersTest {

    final RoutingSnapshot before = RoutingSnapshot.of(Tables.small(), 0, SiteState.LEGACY);
    /** g1 cut over to maintenance at revision 1; shop moved into g2 at revision 2. */
    final RoutingSnapshot after = RoutingSnapshot.of(Tables.small(),
            List.of(new SiteOverride("down.example.com", SiteState.MAINTENANCE, "g2", 2)),
            List.of(new GroupOverride("g1", SiteState.MAINTENANCE, 1)), 2, SiteState.LEGACY);

    static boolean matches(SiteMatcher m, RoutingSnapshot routedBy, String host) {
        byte[] b = (host + "#padding").getBytes(StandardCharsets.ISO_8859_1); // the data plane's buffer is longer than the name
        return m.matches(routedBy, b, host.length());
    }

    @Test
    void siteMatchesTheNameOrEveryNameUnderAWildcard() {
        SiteMatcher shop = DrainBarrier.site("shop.example.com");
        assertThat(matches(shop, before, "shop.example.com")).isTrue();
        assertThat(matches(shop, before, "shop.example.co")).isFalse();
        assertThat(matches(shop, before, "xshop.example.com")).isFalse();
        SiteMatcher blog = DrainBarrier.site("*.blog.example.net");
        assertThat(matches(blog, before, "x.blog.example.net")).isTrue();
        assertThat(matches(blog, before, "a.b.blog.example.net")).isTrue();
        assertThat(matches(blog, before, "blog.example.net")).isFalse();
        assertThat(matches(blog, before, "xblog.example.net")).isFalse();
    }

    @Test
    void groupMatchesASiteOfTheGroupInTheSnapshotThatRoutedItOrNow() {
        SiteMatcher g2 = DrainBarrier.group("g2", after);
        assertThat(matches(g2, before, "x.blog.example.net")).as("by wildcard").isTrue();
        assertThat(matches(g2, before, "down.example.com")).as("moved into g2 since it was routed").isTrue();
        assertThat(matches(g2, before, "www.example.com")).isFalse();
        assertThat(matches(g2, before, "nowhere.example.org")).isFalse();
        assertThat(matches(DrainBarrier.group("no-such-group", after), before, "www.example.com")).isFalse();
    }

    @Test
    void routeChangedMatchesWhatTheNewSnapshotRoutesElsewhere() {
        SiteMatcher moved = DrainBarrier.routeChanged(after);
        assertThat(matches(moved, before, "www.example.com")).as("g1: local to maintenance").isTrue();
        assertThat(matches(moved, before, "shop.example.com")).as("g1: legacy to maintenance").isTrue();
        assertThat(matches(moved, before, "down.example.com")).as("maintenance stays maintenance").isFalse();
        assertThat(matches(moved, before, "x.blog.example.net")).isFalse();
        assertThat(matches(moved, before, "nowhere.example.org")).as("the default route, both times").isFalse();
    }

    @Test
    void matchersAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<SiteMatcher> matchers = List.of(DrainBarrier.site("shop.example.com"), DrainBarrier.site("*.blog.example.net"),
                DrainBarrier.group("g2", after), DrainBarrier.routeChanged(after));
        byte[][] hosts = {bytes("shop.example.com"), bytes("x.blog.example.net"), bytes("down.example.com"),
            bytes("nowhere.example.org")};
        int hits = 0;
        for (int warm = 0; warm < 20_000; warm++) { // compiled before it is measured
            hits += run(matchers, hosts);
        }
        long t = Thread.currentThread().getId();
        long allocated = threads.getThreadAllocatedBytes(t);
        for (int i = 0; i < 10_000; i++) {
            hits += run(matchers, hosts);
        }
        allocated = threads.getThreadAllocatedBytes(t) - allocated;
        assertThat(hits).isPositive();
        assertThat(allocated).as("bytes allocated by 160,000 matches").isLessThan(1024);
    }

    private int run(List<SiteMatcher> matchers, byte[][] hosts) {
        int hits = 0;
        for (int m = 0; m < matchers.size(); m++) {
            for (byte[] h : hosts) {
                if (matchers.get(m).matches(before, h, h.length)) {
                    hits++;
                }
            }
        }
        return hits;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}

package io.predictor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

/** The small table and the host-string lookups that the snapshot tests share. */
final class SnapshotFixtures {

    private SnapshotFixtures() {
    }

    /** Six sites over two groups: exact names, two wildcards (one inside the other), and one without a group. */
    static SiteTable base() {
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 16, 1024);
        b.add("www.example.com", SiteState.MIGRATED, "filer-042");
        b.add("shop.example.org", SiteState.LEGACY, "filer-042");
        b.add("down.example.org", SiteState.MAINTENANCE, null);
        b.add("*.blog.example.net", SiteState.LEGACY, "filer-007");
        b.add("*.example.net", SiteState.MIGRATED, "filer-007");
        b.add("exact.blog.example.net", SiteState.MIGRATED, "filer-007");
        return b.build();
    }

    /** The state {@code s} gives {@code host}, normalised as the data plane does. */
    static SiteState state(RoutingSnapshot s, String host) {
        byte[] dst = new byte[HostName.MAX_LENGTH + 2];
        return s.stateOf(dst, normalize(host, dst));
    }

    /** The route {@code s} gives {@code host}, normalised as the data plane does. */
    static Route route(RoutingSnapshot s, String host) {
        byte[] dst = new byte[HostName.MAX_LENGTH + 2];
        return s.route(dst, normalize(host, dst));
    }

    /** The same groups, in the same order, with the same counts by state. */
    static void assertSameGroupCounts(GroupCounts actual, GroupCounts expected) {
        assertThat(actual.size()).isEqualTo(expected.size());
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.name(i)).isEqualTo(expected.name(i));
            for (SiteState st : SiteState.values()) {
                assertThat(actual.count(i, st)).as(actual.name(i) + " " + st).isEqualTo(expected.count(i, st));
            }
        }
    }

    private static int normalize(String host, byte[] dst) {
        byte[] src = host.getBytes(StandardCharsets.ISO_8859_1);
        return HostName.normalize(src, 0, src.length, dst);
    }
}

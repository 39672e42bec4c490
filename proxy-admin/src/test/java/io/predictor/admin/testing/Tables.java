package io.predictor.admin.testing;

import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;

/** Small base tables for tests. */
public final class Tables {

    private Tables() {
    }

    /** www (migrated, g1), shop (legacy, g1), down (maintenance), *.blog.example.net (legacy, g2), a.blog… (legacy, g2). */
    public static SiteTable small() {
        SiteTable.Builder b = new SiteTable.Builder(16, 1024, 16, 1024);
        b.add("www.example.com", SiteState.MIGRATED, "g1");
        b.add("shop.example.com", SiteState.LEGACY, "g1");
        b.add("down.example.com", SiteState.MAINTENANCE, null);
        b.add("*.blog.example.net", SiteState.LEGACY, "g2");
        b.add("a.blog.example.net", SiteState.LEGACY, "g2");
        return b.build();
    }

    /** {@code n} sites {@code s<i>.big.example} in {@code group}, all in {@code state}. */
    public static SiteTable group(String group, int n, SiteState state) {
        SiteTable.Builder b = new SiteTable.Builder(n, n * 24, 0, 0);
        for (int i = 0; i < n; i++) {
            b.add("s" + i + ".big.example", state, group);
        }
        return b.build();
    }
}

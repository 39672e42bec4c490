package io.predictor.admin.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeRecord;
import io.predictor.core.routing.SiteState;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** What the fleet store's tests share: a change record to commit, and a bounded wait. */
public final class FleetFixtures {

    private FleetFixtures() {
    }

    /** Revision {@code revision}: {@code host} from legacy to maintenance (a cut-over's first step). */
    public static ChangeRecord change(long revision, String host) {
        return new ChangeRecord(revision, Instant.now(), "ops", false, new Change.Site(host,
                new Change.Entry(SiteState.LEGACY, null), new Change.Entry(SiteState.MAINTENANCE, null)));
    }

    /** Polls {@code condition} every 5 ms; fails the test with {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}

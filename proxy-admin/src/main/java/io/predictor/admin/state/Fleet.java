package io.predictor.admin.state;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The proxies that share one fleet store: who is live, what each has applied and drained, and
 * the fleet-wide close of a barrier. Backed by lease-bound member keys, so a proxy that stops
 * (or loses the store for longer than its lease) drops out of {@link #members()}.
 */
public interface Fleet {

    /** One live member as its key says. */
    record Member(String instance, MemberReport report, Instant updated) {
        public Member {
            Objects.requireNonNull(instance);
            Objects.requireNonNull(report);
            Objects.requireNonNull(updated);
        }
    }

    /** This proxy's name in the fleet ({@code instance} in the config). */
    String instance();

    /** The live members, this one included, ordered by name; read from the store now. */
    List<Member> members() throws IOException;

    /** The fleet's revision: the newest change committed, as last read from the store. */
    long revision();

    /** Asks every member to close what is still in flight for the barrier of {@code revision}. */
    void requestClose(long revision) throws IOException;

    /** Withdraws a close request once its barrier has answered. */
    void endClose(long revision);

    /** This member's {@link MemberReport} changed; publish it soon. */
    void reportChanged();
}

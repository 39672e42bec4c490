package io.predictor.admin.state;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The proxies that share one fleet store: who is in the fleet, what each has applied and drained,
 * and the fleet-wide close of a barrier.
 *
 * <p>A member is <i>registered</i> from its first start until it stops cleanly (or an operator
 * forgets it), and <i>live</i> while its lease-bound key is there. A registered member that is
 * not live — crashed, cut off from the store for longer than its lease, or just back from an
 * outage and not re-registered yet — may still be serving, by a state nobody can see: a drain
 * barrier waits for it rather than count it drained.
 */
public interface Fleet {

    /**
     * One registered member.
     *
     * @param report   its last report when live; for an absent one {@link MemberReport#at at(0)}:
     *                 applied nothing, so drained for no revision
     * @param updated  when its key was last written (live), or when it registered (absent)
     * @param live     whether its lease-bound key is there
     * @param diverged whether it says its applied state is not the fleet's log (it refuses changes
     *                 and keeps serving its own state: no barrier can count it drained)
     */
    record Member(String instance, MemberReport report, Instant updated, boolean live, boolean diverged) {
        public Member {
            Objects.requireNonNull(instance);
            Objects.requireNonNull(report);
            Objects.requireNonNull(updated);
        }

        /** A registered member without a live key. */
        public static Member absent(String instance, Instant registered) {
            return new Member(instance, MemberReport.at(0), registered, false, false);
        }

        /** Whether the drain of {@code revision} is complete on this member. */
        public boolean drained(long revision) {
            return live && !diverged && report.drained(revision);
        }
    }

    /** This proxy's name in the fleet ({@code instance} in the config). */
    String instance();

    /** The registered members, this one included, live or not, ordered by name; read from the store now. */
    List<Member> members() throws IOException;

    /** The fleet's revision: the newest change committed, as last read from the store. */
    long revision();

    /** Asks every member to close what is still in flight for the barrier of {@code revision}. */
    void requestClose(long revision) throws IOException;

    /** Withdraws a close request once its barrier has answered. */
    void endClose(long revision);

    /** This member's {@link MemberReport} changed; publish it soon. */
    void reportChanged();

    /**
     * Removes a registered member that is not live (a machine that is gone for good), so that
     * drain barriers stop waiting for it.
     *
     * @return false when no such member is registered
     * @throws IllegalStateException when it is live: stop it first (a clean stop leaves the fleet)
     */
    boolean forget(String instance) throws IOException;
}

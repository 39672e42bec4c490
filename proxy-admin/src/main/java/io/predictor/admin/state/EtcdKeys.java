package io.predictor.admin.state;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;

/**
 * The fleet's key layout under {@code state.etcd.prefix} (P):
 *
 * <pre>
 *   P revision                   "42 a 9f1c…": the fleet's revision, the member that took it and a
 *                                nonce; its mod_revision is what a commit compares
 *   P changes/00000000000000000042   one change record (the journal's binary encoding), never rewritten
 *   P members/NAME               a member's report (flat JSON), bound to its lease
 *   P registered/NAME            {"instance":NAME,"time":…}: in the fleet until it stops cleanly
 *                                or is forgotten (no lease: it outlives a crash or a partition)
 *   P close/00000000000000000042     "close what revision 42's barrier waits for", bound to the asker's lease
 * </pre>
 *
 * Revisions are zero-padded to 20 digits so that key order is revision order.
 */
final class EtcdKeys {

    private final String prefix;

    EtcdKeys(String prefix) {
        this.prefix = prefix;
    }

    ByteSequence revision() {
        return bytes(prefix + "revision");
    }

    ByteSequence change(long revision) {
        return bytes(prefix + "changes/" + pad(revision));
    }

    /** The end (exclusive) of the {@code changes/} range: the key just after every change. */
    ByteSequence changesEnd() {
        return bytes(prefix + "changes0"); // '0' follows '/'
    }

    ByteSequence changesPrefix() {
        return bytes(prefix + "changes/");
    }

    ByteSequence member(String instance) {
        return bytes(prefix + "members/" + instance);
    }

    ByteSequence membersPrefix() {
        return bytes(prefix + "members/");
    }

    ByteSequence registered(String instance) {
        return bytes(prefix + "registered/" + instance);
    }

    ByteSequence registeredPrefix() {
        return bytes(prefix + "registered/");
    }

    /** The name at the end of a {@code members/} or {@code registered/} key. */
    static String nameOf(ByteSequence key) {
        String k = key.toString(StandardCharsets.UTF_8);
        return k.substring(k.lastIndexOf('/') + 1);
    }

    ByteSequence close(long revision) {
        return bytes(prefix + "close/" + pad(revision));
    }

    ByteSequence closePrefix() {
        return bytes(prefix + "close/");
    }

    /** The revision at the end of a {@code changes/} or {@code close/} key. */
    static long revisionOf(ByteSequence key) {
        String k = key.toString(StandardCharsets.UTF_8);
        return Long.parseLong(k.substring(k.lastIndexOf('/') + 1));
    }

    boolean isChangeOrClose(ByteSequence key) {
        String k = key.toString(StandardCharsets.UTF_8);
        return k.startsWith(prefix + "changes/") || k.startsWith(prefix + "close/") || k.equals(prefix + "revision");
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String pad(long revision) {
        return String.format("%020d", revision);
    }
}

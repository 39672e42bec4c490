package io.predictor.admin.state;

import io.predictor.core.routing.SiteState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The binary payload of one journal record. Version byte first, so that a later format can be
 * told apart; strings are modified UTF-8 ({@link DataOutputStream#writeUTF}); an absent state is
 * written as -1. Framing and checksums are {@link JournalFrames}' business, not this one's.
 */
final class ChangeCodec {

    private static final byte VERSION = 1;
    private static final byte SITE = 1;
    private static final byte GROUP = 2;
    private static final byte RELOAD = 3;
    private static final byte FLAG_FORCED = 1;

    private ChangeCodec() {
    }

    static byte[] encode(ChangeRecord r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeLong(r.revision());
            out.writeLong(r.time().toEpochMilli());
            out.writeUTF(r.who());
            out.writeByte(r.forced() ? FLAG_FORCED : 0);
            Change c = r.change();
            if (c instanceof Change.Site s) {
                out.writeByte(SITE);
                out.writeUTF(s.host());
                writeEntry(out, s.before());
                writeEntry(out, s.after());
            } else if (c instanceof Change.Group g) {
                out.writeByte(GROUP);
                out.writeUTF(g.group());
                out.writeByte(g.state().code());
                for (SiteState st : SiteState.values()) {
                    out.writeInt(g.before().get(st));
                }
            } else if (c instanceof Change.Reload rl) {
                out.writeByte(RELOAD);
                out.writeUTF(rl.file());
                out.writeInt(rl.sitesBefore());
                out.writeInt(rl.sitesAfter());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /** Decodes a payload whose checksum already matched; a bad one means a bug or a newer format. */
    static ChangeRecord decode(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("journal record of unknown format version " + version
                    + "; was it written by a newer Predictor?");
        }
        long revision = in.readLong();
        Instant time = Instant.ofEpochMilli(in.readLong());
        String who = in.readUTF();
        boolean forced = (in.readByte() & FLAG_FORCED) != 0;
        byte kind = in.readByte();
        Change change;
        switch (kind) {
            case SITE -> change = new Change.Site(in.readUTF(), readEntry(in), readEntry(in));
            case GROUP -> {
                String group = in.readUTF();
                SiteState state = state(in.readByte());
                change = new Change.Group(group, state,
                        new Change.StateCounts(in.readInt(), in.readInt(), in.readInt(), in.readInt()));
            }
            case RELOAD -> change = new Change.Reload(in.readUTF(), in.readInt(), in.readInt());
            default -> throw new IOException("journal record of unknown kind " + kind);
        }
        if (in.available() != 0) {
            throw new IOException("journal record has " + in.available() + " trailing bytes");
        }
        try {
            return new ChangeRecord(revision, time, who, forced, change);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid journal record: " + e.getMessage(), e);
        }
    }

    private static void writeEntry(DataOutputStream out, Change.Entry e) throws IOException {
        if (e == null) {
            out.writeByte(-1);
            return;
        }
        out.writeByte(e.state().code());
        out.writeBoolean(e.group() != null);
        if (e.group() != null) {
            out.writeUTF(e.group());
        }
    }

    private static Change.Entry readEntry(DataInputStream in) throws IOException {
        byte code = in.readByte();
        if (code == -1) {
            return null;
        }
        SiteState state = state(code);
        String group = in.readBoolean() ? in.readUTF() : null;
        return new Change.Entry(state, group);
    }

    private static SiteState state(byte code) throws IOException {
        if (code < 0 || code >= SiteState.values().length) {
            throw new IOException("journal record names unknown state code " + code);
        }
        return SiteState.ofCode(code);
    }
}

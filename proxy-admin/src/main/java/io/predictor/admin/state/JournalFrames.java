package io.predictor.admin.state;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The framing of journal and snapshot files: each record is {@code [int length][int crc32c][payload]},
 * the checksum covering the length bytes and the payload, so that a torn length is caught too.
 *
 * <p>Telling a torn tail from damage: a crash while appending leaves at most one partial record
 * at the end of the file (each record is one {@code write}, and the file is fsynced after each).
 * So a bad record that is followed by a valid one (anywhere after it: its length may be the
 * damaged part), or by more bytes than one record can hold, is corruption of acknowledged data
 * and is refused; anything else is a torn tail.
 */
final class JournalFrames {

    static final int HEADER_BYTES = 8;
    /** Far above any real record (hosts, group and token names are short); bounds a torn tail. */
    static final int MAX_PAYLOAD = 64 * 1024;

    /** Why a scan stopped. */
    enum Stop {
        /** Every byte was a valid record. */
        END,
        /** An incomplete or garbled record at the very end: never acknowledged, safe to drop. */
        TORN,
        /** A bad record with acknowledged data after it: must not be dropped silently. */
        CORRUPT
    }

    /**
     * @param payloads  the valid records' payloads, in file order
     * @param goodEnd   file offset just past the last valid record
     * @param stop      why the scan stopped
     * @param problem   what was wrong at {@code goodEnd} (null for {@link Stop#END})
     */
    record Scan(List<byte[]> payloads, long goodEnd, Stop stop, String problem) {
    }

    private JournalFrames() {
    }

    static ByteBuffer frame(byte[] payload) {
        if (payload.length == 0 || payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("record payload of " + payload.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        b.putInt(payload.length);
        b.putInt(0);
        b.put(payload);
        b.putInt(4, checksum(b, 0));
        b.flip();
        return b;
    }

    /** Scans records in {@code file} from {@code start} to its limit. */
    static Scan scan(ByteBuffer file, int start) {
        List<byte[]> payloads = new ArrayList<>();
        int pos = start;
        int limit = file.limit();
        while (pos < limit) {
            String problem = check(file, pos);
            if (problem != null) {
                return new Scan(payloads, pos, classify(file, pos), problem);
            }
            int len = file.getInt(pos);
            byte[] payload = new byte[len];
            file.get(pos + HEADER_BYTES, payload);
            payloads.add(payload);
            pos += HEADER_BYTES + len;
        }
        return new Scan(payloads, pos, Stop.END, null);
    }

    /** Null if a valid record starts at {@code pos}, else what is wrong with it. */
    private static String check(ByteBuffer file, int pos) {
        int limit = file.limit();
        if (limit - pos < HEADER_BYTES) {
            return "incomplete record header (" + (limit - pos) + " bytes)";
        }
        int len = file.getInt(pos);
        if (len <= 0 || len > MAX_PAYLOAD) {
            return "invalid record length " + len;
        }
        if ((long) pos + HEADER_BYTES + len > limit) {
            return "record of " + len + " bytes runs past the end of the file";
        }
        if (checksum(file, pos) != file.getInt(pos + 4)) {
            return "checksum mismatch";
        }
        return null;
    }

    private static Stop classify(ByteBuffer file, int pos) {
        int remaining = file.limit() - pos;
        if (remaining > HEADER_BYTES + MAX_PAYLOAD) {
            return Stop.CORRUPT;
        }
        if (remaining >= HEADER_BYTES) {
            int len = file.getInt(pos);
            long next = (long) pos + HEADER_BYTES + len;
            if (len > 0 && next < file.limit() && check(file, (int) next) == null) {
                return Stop.CORRUPT;
            }
        }
        // A torn tail is a prefix of one record, so no whole record lies inside it. Its own length
        // may be what is damaged (and point anywhere): look for a valid record at every offset
        // after it, not only where it points. At most 64 KiB, and nearly every offset fails the
        // length test before any checksum is computed.
        for (int p = pos + 1; p <= file.limit() - HEADER_BYTES; p++) {
            if (check(file, p) == null) {
                return Stop.CORRUPT;
            }
        }
        return Stop.TORN;
    }

    /** CRC32C over the length field and the payload of the record at {@code pos}. */
    private static int checksum(ByteBuffer b, int pos) {
        int len = b.getInt(pos);
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(pos).limit(pos + 4));
        crc.update(b.duplicate().position(pos + HEADER_BYTES).limit(pos + HEADER_BYTES + len));
        return (int) crc.getValue();
    }
}

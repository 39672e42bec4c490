package io.predictor.admin.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.admin.testing.RecordingLog;
import io.predictor.core.routing.SiteState;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateStoreTest {

    @TempDir
    Path dir;
    final RecordingLog log = new RecordingLog();

    static ChangeRecord site(long rev, String host, SiteState state) {
        return new ChangeRecord(rev, Instant.ofEpochMilli(1_700_000_000_000L + rev), "ops", false,
                new Change.Site(host, null, new Change.Entry(state, null)));
    }

    static ChangeRecord group(long rev, String group, SiteState state) {
        return new ChangeRecord(rev, Instant.ofEpochMilli(1_700_000_000_000L + rev), "ops", false,
                new Change.Group(group, state, new Change.StateCounts(1, 0, 0, 0)));
    }

    private List<ChangeRecord> write(int n, int segmentRecords) throws IOException {
        List<ChangeRecord> written = new ArrayList<>();
        try (FileStateStore store = FileStateStore.open(dir, segmentRecords, log)) {
            long rev = store.load().revision();
            for (int i = 0; i < n; i++) {
                ChangeRecord r = i % 7 == 6 ? group(++rev, "g" + (i % 3), SiteState.HOLD)
                        : site(++rev, "h" + i + ".example.com", SiteState.values()[i % 4]);
                store.append(r);
                written.add(r);
            }
        }
        return written;
    }

    private StateStore.Recovered reopen() throws IOException {
        try (FileStateStore store = FileStateStore.open(dir, 1000, log)) {
            return store.load();
        }
    }

    private Path onlySegment() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> segs = files.filter(p -> p.getFileName().toString().startsWith("journal-")).toList();
            assertThat(segs).hasSize(1);
            return segs.get(0);
        }
    }

    @Test
    void appendedRecordsComeBackInRevisionOrder() throws IOException {
        List<ChangeRecord> written = write(50, 1000);
        StateStore.Recovered r = reopen();
        assertThat(r.changes()).containsExactlyElementsOf(written);
        assertThat(r.revision()).isEqualTo(50);
    }

    @Test
    void anEmptyDirectoryStartsAtRevisionZeroAndAcceptsRevisionOne() throws IOException {
        try (FileStateStore store = FileStateStore.open(dir.resolve("new/state"), 10, log)) {
            assertThat(store.load().changes()).isEmpty();
            store.append(site(1, "a.example", SiteState.HOLD));
            assertThatThrownBy(() -> store.append(site(3, "a.example", SiteState.HOLD)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aTruncatedTailIsDroppedWithAWarningAndAppendingContinues() throws IOException {
        List<ChangeRecord> written = write(20, 1000);
        Path seg = onlySegment();
        long full = Files.size(seg);
        for (int cut = 1; cut <= 12; cut++) {
            // a crash part-way through writing the last record: any prefix of it may be on disk
            Files.write(seg, Arrays.copyOf(Files.readAllBytes(seg), (int) full), java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
            try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
                f.setLength(full - cut);
            }
            log.events.clear();
            StateStore.Recovered r = reopen();
            assertThat(r.changes()).as("cut %d bytes", cut).containsExactlyElementsOf(written.subList(0, 19));
            assertThat(r.revision()).isEqualTo(19);
            assertThat(log.eventNames()).containsExactly("journal_tail_dropped");
            // the file was repaired in place: the next load is clean
            log.events.clear();
            assertThat(reopen().changes()).hasSize(19);
            assertThat(log.eventNames()).isEmpty();
            // restore the full record for the next round
            Files.write(seg, fullBytes(seg, written.get(19)));
        }
    }

    private static byte[] fullBytes(Path seg, ChangeRecord last) throws IOException {
        byte[] prefix = Files.readAllBytes(seg);
        byte[] frame = JournalFrames.frame(ChangeCodec.encode(last)).array();
        byte[] out = Arrays.copyOf(prefix, prefix.length + frame.length);
        System.arraycopy(frame, 0, out, prefix.length, frame.length);
        return out;
    }

    @Test
    void aCorruptLastRecordIsDroppedAndTheNextAppendTakesItsRevision() throws IOException {
        List<ChangeRecord> written = write(5, 1000);
        Path seg = onlySegment();
        byte[] b = Files.readAllBytes(seg);
        b[b.length - 3] ^= 0x40; // a flipped bit in the last record's payload
        Files.write(seg, b);
        try (FileStateStore store = FileStateStore.open(dir, 1000, log)) {
            StateStore.Recovered r = store.load();
            assertThat(r.changes()).containsExactlyElementsOf(written.subList(0, 4));
            store.append(site(5, "again.example", SiteState.LEGACY));
        }
        assertThat(log.events).anySatisfy(e -> {
            assertThat(e.name()).isEqualTo("journal_tail_dropped");
            assertThat(e.fields().get("reason")).isEqualTo("checksum mismatch");
        });
        assertThat(reopen().changes()).hasSize(5).last().isEqualTo(site(5, "again.example", SiteState.LEGACY));
    }

    @Test
    void zeroFilledTailAfterPowerLossIsDropped() throws IOException {
        List<ChangeRecord> written = write(3, 1000);
        Path seg = onlySegment();
        Files.write(seg, new byte[100], java.nio.file.StandardOpenOption.APPEND);
        assertThat(reopen().changes()).containsExactlyElementsOf(written);
        assertThat(log.eventNames()).contains("journal_tail_dropped");
    }

    @Test
    void corruptionFollowedByValidRecordsIsRefusedNotDropped() throws IOException {
        write(10, 1000);
        Path seg = onlySegment();
        byte[] b = Files.readAllBytes(seg);
        b[8 + 8 + 5] ^= 0x01; // inside the first record's payload
        Files.write(seg, b);
        assertThatThrownBy(this::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining("checksum mismatch").hasMessageContaining("followed by valid records")
                .hasMessageContaining("restore the state directory");
        assertThat(Files.readAllBytes(seg)).as("nothing was truncated").isEqualTo(b);
    }

    @Test
    void compactionWritesASnapshotDeletesOldSegmentsAndKeepsEveryRecordInForce() throws Exception {
        // 120 records in segments of 10; each host is written several times, so most records are superseded
        List<ChangeRecord> written = new ArrayList<>();
        try (FileStateStore store = FileStateStore.open(dir, 10, log)) {
            store.load();
            for (int rev = 1; rev <= 120; rev++) {
                ChangeRecord r = rev % 10 == 0 ? group(rev, "g", SiteState.values()[rev % 4])
                        : site(rev, "h" + (rev % 13) + ".example", SiteState.values()[rev % 4]);
                store.append(r);
                written.add(r);
            }
        }
        assertThat(dir.resolve("snapshot")).exists();
        assertThat(log.eventNames()).contains("journal_compacted").doesNotContain("journal_compaction_failed");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("journal-")).count())
                    .as("segments older than the snapshot are deleted").isLessThanOrEqualTo(2);
        }
        StateStore.Recovered r = reopen();
        assertThat(r.revision()).isEqualTo(120);
        // HISTORY_KEPT exceeds 120, so nothing at all was dropped here
        assertThat(r.changes()).containsExactlyElementsOf(written);
    }

    @Test
    void compactionDropsOnlySupersededRecordsBeyondTheHistoryKept() throws Exception {
        int n = FileStateStore.HISTORY_KEPT + 3000;
        try (FileStateStore store = FileStateStore.open(dir, 2000, log)) {
            store.load();
            store.append(site(1, "early.example", SiteState.MIGRATED));
            store.append(group(2, "g-early", SiteState.HOLD));
            for (int rev = 3; rev <= n; rev++) {
                store.append(site(rev, "busy.example", SiteState.values()[rev % 4]));
            }
        }
        StateStore.Recovered r = reopen();
        assertThat(r.revision()).isEqualTo(n);
        assertThat(r.changes().get(0)).isEqualTo(site(1, "early.example", SiteState.MIGRATED));
        assertThat(r.changes().get(1)).isEqualTo(group(2, "g-early", SiteState.HOLD));
        assertThat(r.changes().get(r.changes().size() - 1).revision()).isEqualTo(n);
        assertThat(r.changes().size()).isLessThan(n).isGreaterThanOrEqualTo(FileStateStore.HISTORY_KEPT + 2);
        for (int i = 1; i < r.changes().size(); i++) {
            assertThat(r.changes().get(i).revision()).isGreaterThan(r.changes().get(i - 1).revision());
        }
    }

    @Test
    void aCrashBetweenSnapshotAndSegmentDeletionReadsEachRecordOnce() throws Exception {
        List<ChangeRecord> written = write(25, 10);
        // put back a sealed segment as if the compactor died before deleting it
        Path stale = dir.resolve(String.format("journal-%020d.log", 1));
        try (FileStateStore s = FileStateStore.open(dir.resolve("other"), 1000, log)) {
            s.load();
            for (ChangeRecord r : written.subList(0, 10)) {
                s.append(r);
            }
        }
        Files.copy(dir.resolve("other").resolve(String.format("journal-%020d.log", 1)), stale,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(reopen().changes()).containsExactlyElementsOf(written);
    }

    @Test
    void aMissingSegmentIsReportedAsAGap() throws Exception {
        write(10, 1000);
        // a later segment starting at 12: the one holding revision 11 is gone
        java.io.ByteArrayOutputStream seg = new java.io.ByteArrayOutputStream();
        seg.write("PRDJRNL1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        seg.write(JournalFrames.frame(ChangeCodec.encode(site(12, "x.example", SiteState.HOLD))).array());
        Files.write(dir.resolve(String.format("journal-%020d.log", 12)), seg.toByteArray());
        assertThatThrownBy(this::reopen).isInstanceOf(IOException.class)
                .hasMessageContaining("revision 12 follows 10");
    }

    @Test
    void aSecondProcessCannotOpenTheSameDirectory() throws IOException {
        try (FileStateStore first = FileStateStore.open(dir, 10, log)) {
            assertThat(first.load().revision()).isZero();
            assertThatThrownBy(() -> FileStateStore.open(dir, 10, log)).isInstanceOf(IOException.class)
                    .hasMessageContaining("in use");
        }
    }

    @Test
    void appendIsDurableBeforeItReturns() throws IOException {
        // Not a power-loss test; it checks that the bytes are in the file (not in a user-space buffer).
        try (FileStateStore store = FileStateStore.open(dir, 100, log)) {
            store.load();
            long before = Files.size(onlySegment());
            store.append(site(1, "x.example", SiteState.HOLD));
            assertThat(Files.size(onlySegment())).isGreaterThan(before);
        }
    }

    /** Offset of the {@code index}-th (0-based) record in a journal segment's bytes. */
    private static int offsetOf(byte[] segment, int index) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(segment);
        int pos = 8;
        for (int i = 0; i < index; i++) {
            pos += 8 + b.getInt(pos);
        }
        return pos;
    }

    /**
     * Media damage, not a crash, in the length field of an acknowledged record in the middle: the
     * length pointed at garbage, so the record was taken for a torn tail and the seven
     * acknowledged records after it were truncated away with a warning (found by review).
     */
    @Test
    void aDamagedLengthInTheMiddleIsRefusedAndNothingIsTruncated() throws IOException {
        write(10, 1000);
        Path seg = onlySegment();
        byte[] clean = Files.readAllBytes(seg);
        int third = offsetOf(clean, 2);
        // the length off by 4 (it points at garbage), then its high byte hit ("invalid record length")
        for (int[] flip : new int[][] {{third + 3, 0x04}, {third, 0x10}}) {
            byte[] b = clean.clone();
            b[flip[0]] ^= (byte) flip[1];
            Files.write(seg, b);
            assertThatThrownBy(this::reopen).isInstanceOf(IOException.class)
                    .hasMessageContaining("followed by valid records");
            assertThat(Files.readAllBytes(seg)).as("nothing truncated").isEqualTo(b);
        }
    }

    /**
     * A journal rotation whose header write failed (a full disk) left an empty segment between
     * the records: the next start took it for a damaged sealed segment and refused to start,
     * though every acknowledged record was intact (found by review). Such a file is removed.
     */
    @Test
    void emptySegmentsLeftByFailedRotationsAreRemovedAndEveryRecordComesBack() throws IOException {
        List<ChangeRecord> written = write(5, 1000);
        Path first = onlySegment();
        Files.createFile(segment(3)); // a rotation after revision 2 failed at its header
        Files.write(segment(4), new byte[3]); // one after revision 3 wrote part of it
        // a later rotation succeeded (after revision 5), and the process stopped before compacting
        Files.write(segment(6), Arrays.copyOf(Files.readAllBytes(first), 8));
        try (FileStateStore store = FileStateStore.open(dir, 1000, log)) {
            assertThat(store.load().changes()).containsExactlyElementsOf(written);
            store.append(site(6, "next.example.com", SiteState.MIGRATED));
        }
        assertThat(log.eventNames()).containsExactly("journal_empty_segment_removed", "journal_empty_segment_removed");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("journal-")).sorted())
                    .containsExactly(first.getFileName().toString(), segment(6).getFileName().toString());
        }
        assertThat(reopen().changes()).hasSize(6);
    }

    private Path segment(long firstRevision) {
        return dir.resolve(String.format("journal-%020d.log", firstRevision));
    }

    /**
     * The same end to end on a real full file system (a 64 KiB tmpfs, mounted where the test runs
     * as root and may mount): appends go on in the segment's allocated page, each rotation fails;
     * once there is room again, every acknowledged change comes back.
     */
    @Test
    void aFullDiskDuringRotationsLosesNothingAndTheNextStartReadsEveryChange() throws Exception {
        try (io.predictor.admin.testing.SmallDisk disk = io.predictor.admin.testing.SmallDisk.mount(64 * 1024)) {
            Path d = disk.path().resolve("state");
            Path filler = disk.path().resolve("filler");
            List<ChangeRecord> written = new ArrayList<>();
            try (FileStateStore store = FileStateStore.open(d, 2, log)) {
                store.load();
                disk.fill(filler);
                for (int rev = 1; rev <= 4; rev++) {
                    ChangeRecord r = site(rev, "h" + rev + ".example", SiteState.HOLD);
                    store.append(r); // acknowledged: written and fsynced into the current segment
                    written.add(r);
                }
            }
            assertThat(log.eventNames()).contains("journal_rotation_failed");
            try (Stream<Path> files = Files.list(d)) {
                assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("journal-")))
                        .as("no empty segment left behind").containsExactly(String.format("journal-%020d.log", 1));
            }
            Files.delete(filler); // the operator frees space
            try (FileStateStore store = FileStateStore.open(d, 1000, log)) {
                assertThat(store.load().changes()).containsExactlyElementsOf(written);
            }
        }
    }
}

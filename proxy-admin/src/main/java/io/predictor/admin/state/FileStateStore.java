package io.predictor.admin.state;

import io.predictor.admin.log.EventLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The embedded store ({@code state.store: file}): an append-only journal in segments plus a
 * snapshot written by compaction, in one directory:
 *
 * <pre>
 *   lock                               held while a process uses the directory
 *   snapshot                           "PRDSNAP1", revision R, count, then records (≤ R)
 *   journal-00000000000000000042.log   "PRDJRNL1", then records from revision 42 on
 * </pre>
 *
 * Every append is one {@code write} and an fsync before it returns; new files are fsynced and
 * so is the directory that names them. When a segment holds {@code segmentRecords} records the
 * appender starts a new segment and a background thread writes the snapshot (to a temporary
 * file, fsync, atomic rename, directory fsync) and only then deletes the older segments. The
 * snapshot keeps the records still in force (the last one per site and per group) and the
 * newest {@link #HISTORY_KEPT} for history. Recovery reads the snapshot, then the segments, and
 * drops a torn tail of the last segment with a warning.
 */
public final class FileStateStore implements StateStore {

    public static final int DEFAULT_SEGMENT_RECORDS = 10_000;
    /** Compaction keeps at least this many of the newest records, for history. */
    public static final int HISTORY_KEPT = 10_000;

    private static final byte[] JOURNAL_MAGIC = "PRDJRNL1".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern SEGMENT = Pattern.compile("journal-(\\d{20})\\.log");

    private final Path dir;
    private final int segmentRecords;
    private final EventLog events;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ExecutorService compactor;

    // guarded by this
    private boolean loaded;
    private boolean compacting;
    private IOException failure;
    private FileChannel segment;
    private int segmentCount;
    private long revision;
    private final Map<String, ChangeRecord> inForce = new HashMap<>();
    private final ArrayDeque<ChangeRecord> recent = new ArrayDeque<>();

    private FileStateStore(Path dir, int segmentRecords, EventLog events, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.segmentRecords = segmentRecords;
        this.events = events;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.compactor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "predictor-state-compactor");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (creating if needed) and locks the state directory.
     *
     * @param segmentRecords records per journal segment before compaction starts
     */
    public static FileStateStore open(Path dir, int segmentRecords, EventLog events) throws IOException {
        if (segmentRecords < 1) {
            throw new IllegalArgumentException("segmentRecords must be at least 1");
        }
        Path abs = dir.toAbsolutePath();
        if (!Files.isDirectory(abs)) {
            Files.createDirectories(abs);
            StoreFiles.fsyncDirectory(abs.getParent());
        }
        FileChannel lockChannel = FileChannel.open(abs.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            lockChannel.close();
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("state directory " + abs + " is in use by another Predictor process"
                    + " (state.path must not be shared)");
        }
        return new FileStateStore(abs, segmentRecords, events, lockChannel, lock);
    }

    @Override
    public synchronized Recovered load() throws IOException {
        if (loaded) {
            throw new IllegalStateException("load() was already called");
        }
        Files.deleteIfExists(dir.resolve(SnapshotFile.TEMPORARY));
        List<ChangeRecord> changes = new ArrayList<>();
        Path snapshot = dir.resolve(SnapshotFile.NAME);
        if (Files.exists(snapshot)) {
            revision = SnapshotFile.read(snapshot, changes);
        }
        List<Path> segments = segments();
        for (int i = 0; i < segments.size(); i++) {
            readSegment(segments.get(i), i == segments.size() - 1, changes);
        }
        if (segments.isEmpty()) {
            segment = createSegment(revision + 1);
        } else {
            segment = FileChannel.open(segments.get(segments.size() - 1), StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
        for (ChangeRecord r : changes) {
            remember(r);
        }
        loaded = true;
        return new Recovered(changes, revision);
    }

    @Override
    public synchronized void append(ChangeRecord change) throws IOException {
        if (!loaded) {
            throw new IllegalStateException("load() must come first");
        }
        if (failure != null) {
            throw new IOException("the state store failed earlier and accepts no more changes;"
                    + " restart to recover from the journal", failure);
        }
        if (change.revision() != revision + 1) {
            throw new IllegalArgumentException("revision " + change.revision() + " does not follow " + revision);
        }
        ByteBuffer frame = JournalFrames.frame(ChangeCodec.encode(change));
        try {
            while (frame.hasRemaining()) {
                segment.write(frame);
            }
            segment.force(false);
        } catch (IOException e) {
            failure = e;
            throw e;
        }
        revision = change.revision();
        segmentCount++;
        remember(change);
        if (segmentCount >= segmentRecords && !compacting) {
            startCompaction();
        }
    }

    @Override
    public void close() throws IOException {
        compactor.shutdown();
        try {
            if (!compactor.awaitTermination(30, TimeUnit.SECONDS)) {
                events.event(EventLog.Level.WARN, "compaction_unfinished", Map.of("dir", dir.toString()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                if (segment != null) {
                    segment.close();
                }
            } finally {
                try {
                    lock.release();
                } finally {
                    lockChannel.close();
                }
            }
        }
    }

    private void remember(ChangeRecord r) {
        Change c = r.change();
        if (c instanceof Change.Site s) {
            inForce.put("site " + s.host(), r);
        } else if (c instanceof Change.Group g) {
            inForce.put("group " + g.group(), r);
        }
        recent.addLast(r);
        if (recent.size() > HISTORY_KEPT) {
            recent.removeFirst();
        }
    }

    /** On the appending thread: seal the segment, then let the compactor write the snapshot. */
    private void startCompaction() {
        long cut = revision;
        TreeMap<Long, ChangeRecord> keep = new TreeMap<>();
        for (ChangeRecord r : inForce.values()) {
            keep.put(r.revision(), r);
        }
        for (ChangeRecord r : recent) {
            keep.put(r.revision(), r);
        }
        FileChannel next;
        try {
            next = createSegment(cut + 1);
        } catch (IOException e) {
            // The record is durable in the current segment; keep appending there and try later.
            events.event(EventLog.Level.WARN, "journal_rotation_failed",
                    Map.of("dir", dir.toString(), "error", e.toString()));
            return;
        }
        FileChannel sealed = segment;
        segment = next;
        segmentCount = 0;
        compacting = true;
        try {
            sealed.close();
        } catch (IOException e) {
            events.event(EventLog.Level.WARN, "journal_close_failed", Map.of("error", e.toString()));
        }
        List<ChangeRecord> records = List.copyOf(keep.values());
        compactor.execute(() -> compact(cut, records));
    }

    private void compact(long cut, List<ChangeRecord> records) {
        try {
            SnapshotFile.write(dir, cut, records);
            for (Path p : segments()) {
                if (firstRevision(p) <= cut) {
                    Files.delete(p);
                }
            }
            StoreFiles.fsyncDirectory(dir);
            events.event(EventLog.Level.INFO, "journal_compacted",
                    Map.of("revision", cut, "records_kept", records.size()));
        } catch (IOException | RuntimeException e) {
            // The sealed segments stay; recovery reads them and the next rotation tries again.
            events.event(EventLog.Level.WARN, "journal_compaction_failed",
                    Map.of("dir", dir.toString(), "error", e.toString()));
        } finally {
            synchronized (this) {
                compacting = false;
            }
        }
    }

    private void readSegment(Path file, boolean last, List<ChangeRecord> out) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            MappedByteBuffer map = StoreFiles.map(ch, file);
            if (!StoreFiles.startsWith(map, JOURNAL_MAGIC)) {
                if (!last && size <= JOURNAL_MAGIC.length) {
                    // A rotation whose header write failed (a full disk) before this build removed
                    // such a file: it never held a record, since a segment takes appends only once
                    // its header is on disk. Were a record missing, the revision check says so.
                    ch.close();
                    Files.delete(file);
                    StoreFiles.fsyncDirectory(dir);
                    events.event(EventLog.Level.WARN, "journal_empty_segment_removed", Map.of("file", file.toString(),
                            "bytes", size, "detail", "left by a journal rotation that failed; it held no record"));
                    return;
                }
                if (last && size <= JOURNAL_MAGIC.length) {
                    // Torn while being created, before any record could be written into it.
                    ch.truncate(0);
                    StoreFiles.writeFully(ch, ByteBuffer.wrap(JOURNAL_MAGIC));
                    ch.force(true);
                    warnDropped(file, 0, size, "incomplete segment header");
                    return;
                }
                throw StoreFiles.damaged(file, "not a Predictor journal (bad header)");
            }
            JournalFrames.Scan scan = JournalFrames.scan(map, JOURNAL_MAGIC.length);
            for (byte[] p : scan.payloads()) {
                ChangeRecord r = ChangeCodec.decode(p);
                if (r.revision() <= revision) {
                    continue; // already in the snapshot (crash between snapshot and segment deletion)
                }
                if (r.revision() != revision + 1) {
                    throw StoreFiles.damaged(file, "revision " + r.revision() + " follows " + revision
                            + "; a journal segment is missing");
                }
                revision = r.revision();
                out.add(r);
            }
            switch (scan.stop()) {
                case END -> {
                }
                case TORN -> {
                    if (!last) {
                        throw StoreFiles.damaged(file, scan.problem() + " at offset " + scan.goodEnd()
                                + " in a sealed segment");
                    }
                    ch.truncate(scan.goodEnd());
                    ch.force(true);
                    warnDropped(file, scan.goodEnd(), size - scan.goodEnd(), scan.problem());
                }
                case CORRUPT -> throw StoreFiles.damaged(file, scan.problem() + " at offset " + scan.goodEnd()
                        + ", followed by valid records");
            }
        }
    }

    private void warnDropped(Path file, long offset, long bytes, String problem) {
        events.event(EventLog.Level.WARN, "journal_tail_dropped", Map.of(
                "file", file.toString(), "offset", offset, "bytes", bytes, "reason", problem,
                "detail", "a record torn by a crash was never acknowledged; it is dropped"));
    }

    private FileChannel createSegment(long firstRevision) throws IOException {
        Path p = dir.resolve(String.format("journal-%020d.log", firstRevision));
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        try {
            StoreFiles.writeFully(ch, ByteBuffer.wrap(JOURNAL_MAGIC));
            ch.force(true);
            StoreFiles.fsyncDirectory(dir);
        } catch (IOException e) {
            // a full disk: left behind, an empty segment would sit between the records of the
            // current one and the next rotation's, and the next start would take it for damage
            ch.close();
            try {
                Files.deleteIfExists(p);
                StoreFiles.fsyncDirectory(dir);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup); // load() removes it if it is still there
            }
            throw e;
        }
        return ch;
    }

    /** Journal segments in revision order. */
    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> SEGMENT.matcher(p.getFileName().toString()).matches())
                    .sorted().toList();
        }
    }

    private static long firstRevision(Path segment) {
        Matcher m = SEGMENT.matcher(segment.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(segment.toString());
        }
        return Long.parseLong(m.group(1));
    }

}

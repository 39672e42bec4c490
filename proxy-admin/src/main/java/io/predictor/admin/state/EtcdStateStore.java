package io.predictor.admin.state;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.predictor.admin.log.EventLog;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The fleet store ({@code state.store: etcd}): every proxy of a fleet shares one ordered log of
 * changes in etcd and applies it in revision order. Key layout: {@link EtcdKeys}.
 *
 * <p><b>Commit.</b> A change for revision R is one transaction: <i>if</i> the {@code revision}
 * key's {@code mod_revision} is still the one this proxy saw with revision R-1, <i>then</i> put
 * {@code changes/R} and set {@code revision} to R. Two proxies racing for R cannot both win; the
 * loser gets {@link StaleRevisionException}, catches up and validates its change again. No locks,
 * no leases on the log. {@link #append} returns once etcd has committed (etcd fsyncs its WAL
 * before it answers); the caller then applies and publishes the change locally before answering.
 *
 * <p><b>Apply.</b> One sync thread reads {@code changes/} from the last applied revision on, in
 * key (= revision) order, and hands the records to the proxy. A watch on the prefix only wakes
 * that thread early: every pass is a read from the last applied revision, so a missed or
 * compacted watch costs latency, never a change (a compacted watch is simply re-created at the
 * current revision). Without any watch event the thread still reconciles every
 * {@link #RECONCILE_MILLIS}.
 *
 * <p><b>Fail-static.</b> Every applied record is also appended to a local {@link FileStateStore}
 * under {@code state.path}, so a proxy that starts while etcd is away serves the last state it
 * applied and catches up when etcd returns. While etcd cannot be reached, traffic goes on by that
 * state and changes are refused with {@link StoreUnavailableException}.
 *
 * <p><b>One history.</b> Revision numbers alone cannot tell two histories of the log apart: after
 * etcd lost its data and the fleet committed past a member's revision again, that member's
 * records 1..N are not the fleet's. Every pass reads the record at the revision this proxy
 * applied last along with those after it, and diverges unless it is the very record applied.
 *
 * <p><b>Members.</b> Each proxy keeps {@code members/NAME} bound to a lease of
 * {@link #LEASE_TTL_SECONDS}: the revision it has applied and the drains still pending there
 * ({@link MemberReport}), which the fleet-wide drain barrier reads. It also registers as
 * {@code registered/NAME}, without a lease, until it stops cleanly: a member whose lease ran out
 * (crashed, cut off, or back from an outage and not re-registered yet) is still in the fleet,
 * and a barrier waits for it ({@link Fleet.Member#drained}).
 */
public final class EtcdStateStore implements StateStore, Fleet {

    static final long READ_TIMEOUT_MILLIS = 1500;
    static final long COMMIT_TIMEOUT_MILLIS = 3000;
    static final long RECONCILE_MILLIS = 500;
    static final long RETRY_MILLIS = 200;
    static final long LEASE_TTL_SECONDS = 10;
    static final long KEEPALIVE_MILLIS = 2000;
    /** Consecutive failed passes after which the client is rebuilt (gRPC's reconnect backoff grows to minutes). */
    static final int REBUILD_AFTER_FAILURES = 5;
    static final int PAGE = 500;

    // gRPC and Vert.x log through java.util.logging; their chatter is not the program's log.
    private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");
    private static final Logger VERTX_LOG = Logger.getLogger("io.vertx");

    static {
        GRPC_LOG.setLevel(Level.SEVERE);
        VERTX_LOG.setLevel(Level.SEVERE);
    }

    private final List<String> endpoints;
    private final String prefix;
    private final String instance;
    private final EtcdKeys keys;
    private final FileStateStore local;
    private final EventLog events;
    private final Clock clock;
    private final CountDownLatch firstPass = new CountDownLatch(1);
    /** Counted down once this member is registered and its member key written. */
    private final CountDownLatch registered = new CountDownLatch(1);
    private final Object hint = new Object();
    private final Object memberHint = new Object();

    private volatile Client client;
    private volatile boolean closing;
    private volatile LocalMember member;
    private Thread syncThread;
    private Thread memberThread;

    // guarded by this
    private long applied;
    private long appliedModRevision = -1; // the revision key's mod_revision at `applied`; -1: not known yet
    private long fleetRevision;
    /** The record of revision {@code applied} as this proxy applied it (decoded); null before the first. */
    private ChangeRecord lastApplied;
    private boolean available;
    private boolean everAvailable;
    private String diverged;
    private String lastError = "not connected yet";
    private Instant unavailableSince;
    private boolean localCopyFailed;

    // guarded by hint / memberHint
    private boolean hinted;
    private boolean memberHinted;

    // sync thread only
    private Watch.Watcher watcher;
    private volatile boolean watchBroken;
    private volatile long watchFromForTest;
    private final Set<Long> closesSeen = new HashSet<>();

    // written by the member thread only; read by a barrier's close request too
    private volatile long leaseId;
    private MemberReport published;
    private boolean publishedDiverged;
    private boolean registeredKeyWritten;
    private long lastKeepAliveNanos;

    private EtcdStateStore(List<String> endpoints, String prefix, String instance, FileStateStore local,
            EventLog events, Clock clock) {
        this.endpoints = List.copyOf(endpoints);
        this.prefix = prefix;
        this.instance = instance;
        this.keys = new EtcdKeys(prefix);
        this.local = local;
        this.events = events;
        this.clock = clock;
        this.client = newClient();
    }

    /**
     * Opens the store: the local copy of the applied state in {@code localDir} (locked, like the
     * file store), and a client for {@code endpoints}. Nothing is read from etcd until {@link #start}.
     *
     * @param prefix   the key prefix, e.g. {@code /predictor/}
     * @param instance this proxy's member name; unique in the fleet
     */
    public static EtcdStateStore open(List<String> endpoints, String prefix, String instance, Path localDir,
            int segmentRecords, EventLog events, Clock clock) throws IOException {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("state.etcd.endpoints: at least one endpoint is required");
        }
        FileStateStore local = FileStateStore.open(localDir, segmentRecords, events);
        try {
            return new EtcdStateStore(endpoints, prefix, instance, local, events, clock);
        } catch (RuntimeException e) {
            local.close();
            throw e;
        }
    }

    private Client newClient() {
        return Client.builder()
                .endpoints(endpoints.toArray(String[]::new))
                .connectTimeout(Duration.ofMillis(READ_TIMEOUT_MILLIS))
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(3))
                .waitForReady(false)
                // No retries inside the client: a retried commit could land after its caller was
                // told 503; this store retries itself, with a read first.
                .retryMaxAttempts(0)
                .build();
    }

    /** The local copy: what this proxy applied last, whether or not etcd can be reached. */
    @Override
    public synchronized Recovered load() throws IOException {
        Recovered r = local.load();
        applied = r.revision();
        List<ChangeRecord> changes = r.changes();
        lastApplied = changes.isEmpty() || changes.get(changes.size() - 1).revision() != applied ? null
                : changes.get(changes.size() - 1);
        return r;
    }

    @Override
    public void start(LocalMember m) {
        if (member != null) {
            throw new IllegalStateException("already started");
        }
        member = m;
        syncThread = new Thread(this::syncLoop, "predictor-etcd-sync");
        syncThread.setDaemon(true);
        syncThread.start();
        memberThread = new Thread(this::memberLoop, "predictor-etcd-member");
        memberThread.setDaemon(true);
        memberThread.start();
    }

    /**
     * Waits for the first pass against etcd to end, caught up or failed, and for this member to be
     * registered, for at most {@code timeout} in all. Returns whether the store is available (the
     * proxy serves the fleet's current state).
     */
    public boolean awaitFirstPass(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        firstPass.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        registered.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        synchronized (this) {
            return available;
        }
    }

    @Override
    public void append(ChangeRecord r) throws IOException {
        byte[] value = ChangeCodec.encode(r);
        synchronized (this) {
            if (diverged != null) {
                throw new StoreUnavailableException("the fleet store cannot be used: " + diverged);
            }
            if (!available || appliedModRevision < 0) {
                throw new StoreUnavailableException("etcd is unavailable (" + lastError + ");"
                        + " the change was not made");
            }
            if (r.revision() != applied + 1) {
                wakeSync();
                throw new StaleRevisionException(r.revision(), Math.max(applied, fleetRevision));
            }
            ByteSequence changeKey = keys.change(r.revision());
            // "R instance nonce": who took R, and a way to recognise this very attempt (two proxies
            // can build byte-identical records for the same revision in the same millisecond)
            ByteSequence stamp = EtcdKeys.bytes(r.revision() + " " + instance + " "
                    + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()));
            TxnResponse resp;
            try {
                resp = client.getKVClient().txn()
                        .If(new Cmp(keys.revision(), Cmp.Op.EQUAL, CmpTarget.modRevision(appliedModRevision)))
                        .Then(Op.put(changeKey, ByteSequence.from(value), PutOption.DEFAULT),
                                Op.put(keys.revision(), stamp, PutOption.DEFAULT))
                        .Else(Op.get(keys.revision(), GetOption.DEFAULT))
                        .commit().get(COMMIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                markUnavailable("commit of revision " + r.revision() + " got no answer within "
                        + COMMIT_TIMEOUT_MILLIS + "ms");
                throw new StoreUnavailableException("etcd did not answer within " + COMMIT_TIMEOUT_MILLIS
                        + "ms: the change was not acknowledged; it may still be committed if etcd was only slow,"
                        + " so read the history before retrying", e, true);
            } catch (ExecutionException e) {
                markUnavailable(describe(e.getCause()));
                // "request timed out", a leader change: etcd may have committed it all the same
                throw new StoreUnavailableException("etcd refused or failed the commit (" + describe(e.getCause())
                        + "): the change was not acknowledged; if etcd got it, it may still be committed,"
                        + " so read the history before retrying", e.getCause(), true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while committing to etcd");
            }
            long modRevision;
            if (resp.isSucceeded()) {
                modRevision = resp.getHeader().getRevision();
            } else {
                List<KeyValue> cur = resp.getGetResponses().get(0).getKvs();
                if (!cur.isEmpty() && cur.get(0).getValue().equals(stamp)) {
                    modRevision = cur.get(0).getModRevision(); // this very attempt, retried by the transport
                } else {
                    long fleet = cur.isEmpty() ? 0 : parseRevision(cur.get(0).getValue());
                    fleetRevision = Math.max(fleetRevision, fleet);
                    wakeSync();
                    throw new StaleRevisionException(r.revision(), fleet);
                }
            }
            applied = r.revision();
            appliedModRevision = modRevision;
            lastApplied = ChangeCodec.decode(value); // as every other member reads it from etcd
            fleetRevision = Math.max(fleetRevision, applied);
            keepLocally(r);
        }
    }

    // ---------------------------------------------------------------- sync thread

    private void syncLoop() {
        int failures = 0;
        while (!closing) {
            try {
                if (watchBroken) {
                    closeWatcher();
                }
                syncOnce();
                failures = 0;
                firstPass.countDown();
                waitFor(hint, RECONCILE_MILLIS, true);
            } catch (InterruptedException e) {
                if (closing) {
                    return;
                }
            } catch (Exception e) {
                if (closing) {
                    return;
                }
                markUnavailable(describe(e));
                firstPass.countDown();
                if (++failures % REBUILD_AFTER_FAILURES == 0) {
                    rebuildClient();
                }
                try {
                    Thread.sleep(RETRY_MILLIS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /**
     * One reconcile pass: the fleet's revision, then the changes after the last applied one, then
     * close requests and the watch. The revision key is read first: every record up to it exists
     * when the range is read after it, so a record missing from the range is a gap, never a race.
     */
    private void syncOnce() throws Exception {
        KV kv = client.getKVClient();
        long appliedBefore;
        synchronized (this) {
            if (diverged != null) {
                return;
            }
            appliedBefore = applied;
        }
        GetResponse rev = get(kv.get(keys.revision()));
        long fleet = rev.getKvs().isEmpty() ? 0 : parseRevision(rev.getKvs().get(0).getValue());
        long fleetModRevision = rev.getKvs().isEmpty() ? 0 : rev.getKvs().get(0).getModRevision();
        synchronized (this) {
            if (fleet < appliedBefore) {
                diverge("etcd is at revision " + fleet + " but this proxy has applied " + appliedBefore
                        + " (was etcd wiped or restored from an older backup?)");
                return;
            }
            fleetRevision = Math.max(fleetRevision, fleet);
        }
        long header = rev.getHeader().getRevision();
        while (true) {
            long from;
            synchronized (this) {
                from = lastApplied != null ? applied : applied + 1; // the record applied last: one history?
            }
            GetResponse page = get(kv.get(keys.change(from), GetOption.builder().withRange(keys.changesEnd())
                    .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND)
                    .withLimit(PAGE).build()));
            header = page.getHeader().getRevision();
            List<ChangeRecord> batch = new ArrayList<>();
            synchronized (this) {
                List<KeyValue> kvs = page.getKvs();
                // the page starts at the record applied last (unless a commit of this proxy moved on
                // meanwhile): it must be that very record, or the log is another history
                boolean startsAtLast = lastApplied != null && from == applied;
                if (startsAtLast && kvs.isEmpty()) {
                    diverge("etcd holds no record of revision " + applied + ", which this proxy applied"
                            + " (was etcd wiped or restored?)");
                }
                for (int i = 0; i < kvs.size() && diverged == null; i++) {
                    KeyValue kvp = kvs.get(i);
                    ChangeRecord rec;
                    try {
                        rec = ChangeCodec.decode(kvp.getValue().getBytes());
                    } catch (IOException e) {
                        diverge("record " + kvp.getKey().toString(StandardCharsets.UTF_8) + " cannot be read: "
                                + e.getMessage());
                        break;
                    }
                    if (startsAtLast && i == 0) {
                        if (rec.revision() != applied) {
                            diverge("etcd holds no record of revision " + applied + ", which this proxy applied"
                                    + " (was etcd wiped or restored?)");
                        } else if (!rec.equals(lastApplied)) {
                            diverge("etcd's record of revision " + applied + " is not the one this proxy applied:"
                                    + " the log is another history (was etcd wiped or restored, and has the fleet"
                                    + " committed past " + applied + " again since?)");
                        }
                        continue;
                    }
                    if (rec.revision() <= applied) {
                        continue; // committed by this proxy while the page was read
                    }
                    if (rec.revision() != applied + 1) {
                        diverge("etcd holds revision " + rec.revision() + " but not " + (applied + 1));
                        break;
                    }
                    keepLocally(rec);
                    applied = rec.revision();
                    appliedModRevision = kvp.getModRevision();
                    lastApplied = rec;
                    fleetRevision = Math.max(fleetRevision, applied);
                    batch.add(rec);
                }
            }
            if (!batch.isEmpty()) {
                try {
                    member.applyRemote(batch);
                } catch (RuntimeException e) {
                    // the batch counts as applied here and would never be delivered again, while
                    // the proxy serves the state before it (found by review): stop, and say so
                    synchronized (this) {
                        applyFailed(batch, e);
                    }
                    return;
                }
            }
            if (!page.isMore() || diverged()) {
                break;
            }
        }
        synchronized (this) {
            if (diverged != null) {
                return;
            }
            if (applied < fleet) {
                diverge("etcd is at revision " + fleet + " but holds no record after " + applied);
                return;
            }
            if (applied == fleet) {
                appliedModRevision = fleetModRevision;
            }
            markAvailable();
        }
        GetResponse closes = get(kv.get(keys.closePrefix(), GetOption.builder().isPrefix(true).withKeysOnly(true)
                .build()));
        Set<Long> requested = new HashSet<>();
        for (KeyValue kvp : closes.getKvs()) {
            requested.add(EtcdKeys.revisionOf(kvp.getKey()));
        }
        for (long r : requested) {
            if (!closesSeen.contains(r)) {
                member.closeRequested(r);
            }
        }
        closesSeen.retainAll(requested);
        closesSeen.addAll(requested);
        if (watcher == null) {
            long forced = watchFromForTest;
            watchFromForTest = 0;
            startWatch(forced > 0 ? forced : header + 1);
        }
    }

    private void startWatch(long fromRevision) {
        watchBroken = false;
        watcher = client.getWatchClient().watch(EtcdKeys.bytes(prefix),
                WatchOption.builder().isPrefix(true).withRevision(fromRevision).build(),
                Watch.listener(resp -> {
                    if (resp.getEvents().stream().anyMatch(e -> keys.isChangeOrClose(e.getKeyValue().getKey()))) {
                        wakeSync();
                    }
                }, error -> {
                    // A compacted start revision, a lost stream: the next pass re-reads and re-watches.
                    events.event(EventLog.Level.INFO, "etcd_watch_restarted", Map.of("from_revision", fromRevision,
                            "error", describe(error)));
                    watchBroken = true;
                    wakeSync();
                }));
    }

    /** Tests: re-create the watch from {@code etcdRevision} (e.g. one already compacted) on the next pass. */
    void rewatchFrom(long etcdRevision) {
        watchFromForTest = etcdRevision;
        watchBroken = true;
        wakeSync();
    }

    private void closeWatcher() {
        Watch.Watcher w = watcher;
        watcher = null;
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                events.event(EventLog.Level.INFO, "etcd_watch_close_failed", Map.of("error", e.toString()));
            }
        }
    }

    private void rebuildClient() {
        closeWatcher();
        Client old = client;
        client = newClient();
        try {
            old.close();
        } catch (RuntimeException e) {
            events.event(EventLog.Level.INFO, "etcd_client_close_failed", Map.of("error", e.toString()));
        }
    }

    private synchronized boolean diverged() {
        return diverged != null;
    }

    /** The log in etcd does not continue what this proxy applied: keep serving, refuse changes, say so. */
    private void diverge(String why) {
        diverged = why;
        available = false;
        reportChanged(); // the member key says so: no barrier counts this member drained
        events.event(EventLog.Level.ERROR, "state_store_diverged", Map.of("error", why, "applied", applied,
                "detail", "this proxy keeps serving revision " + applied + " and refuses changes;"
                        + " restore etcd, or move state.path away and restart to follow etcd as it is"));
    }

    /**
     * The proxy could not apply changes read from etcd: it serves the state before them. Like a
     * divergence, the member key says so (no barrier counts it drained) and changes are refused
     * here; a restart applies them from the local copy.
     */
    private void applyFailed(List<ChangeRecord> batch, RuntimeException e) {
        long first = batch.get(0).revision();
        long last = batch.get(batch.size() - 1).revision();
        diverged = "applying revisions " + first + "-" + last + " from etcd failed: " + e;
        available = false;
        reportChanged();
        events.event(EventLog.Level.ERROR, "state_store_diverged", Map.of("error", diverged, "applied", first - 1,
                "detail", "this proxy serves the state before revision " + first + " (at most), refuses changes,"
                        + " and drain barriers wait for it; restart it to apply them"));
    }

    private void keepLocally(ChangeRecord r) {
        if (localCopyFailed) {
            return;
        }
        try {
            local.append(r);
        } catch (IOException | RuntimeException e) {
            localCopyFailed = true;
            events.event(EventLog.Level.ERROR, "local_state_copy_failed", Map.of("error", e.toString(),
                    "detail", "changes are still applied from etcd, but a restart while etcd is away"
                            + " would serve an older state"));
        }
    }

    private void markAvailable() {
        if (!available) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("revision", applied);
            if (unavailableSince != null) {
                f.put("unavailable_ms", Duration.between(unavailableSince, clock.instant()).toMillis());
            }
            available = true;
            everAvailable = true;
            unavailableSince = null;
            lastError = null;
            events.event(EventLog.Level.INFO, "state_store_available", f);
        }
    }

    private synchronized void markUnavailable(String error) {
        lastError = error;
        if (available || unavailableSince == null) {
            available = false;
            unavailableSince = clock.instant();
            events.event(EventLog.Level.WARN, "state_store_unavailable", Map.of("error", error, "revision", applied,
                    "detail", everAvailable ? "traffic goes on by revision " + applied + "; changes are refused"
                            : "serving the local copy at revision " + applied + " until etcd answers"));
        }
    }

    // ---------------------------------------------------------------- member thread

    private void memberLoop() {
        while (!closing) {
            try {
                publishMember();
                waitFor(memberHint, KEEPALIVE_MILLIS / 2, false);
            } catch (InterruptedException e) {
                if (closing) {
                    return;
                }
            } catch (Exception e) {
                if (closing) {
                    return;
                }
                published = null;
                try {
                    Thread.sleep(RETRY_MILLIS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void publishMember() throws Exception {
        Client c = client;
        long now = System.nanoTime();
        if (leaseId != 0 && now - lastKeepAliveNanos >= TimeUnit.MILLISECONDS.toNanos(KEEPALIVE_MILLIS)) {
            try {
                LeaseKeepAliveResponse r = get(c.getLeaseClient().keepAliveOnce(leaseId));
                if (r.getTTL() <= 0) {
                    leaseLost();
                } else {
                    lastKeepAliveNanos = now;
                }
            } catch (ExecutionException e) {
                if (!String.valueOf(e.getCause()).contains("lease not found")) {
                    throw e;
                }
                leaseLost();
            }
        }
        if (leaseId == 0) {
            // at once, also right after a lost lease: while this member has no key, it is only
            // "registered", and a barrier can tell no more than that it may still serve
            leaseId = get(c.getLeaseClient().grant(LEASE_TTL_SECONDS)).getID();
            lastKeepAliveNanos = now;
            published = null;
            registeredKeyWritten = false; // again: an operator may have forgotten this member meanwhile
        }
        if (!registeredKeyWritten) {
            get(c.getKVClient().put(keys.registered(instance),
                    EtcdKeys.bytes(MemberJson.writeRegistration(instance, clock.instant()))));
            registeredKeyWritten = true;
        }
        MemberReport report = member.report();
        boolean divergedNow = diverged();
        if (!report.equals(published) || divergedNow != publishedDiverged) {
            get(c.getKVClient().put(keys.member(instance),
                    EtcdKeys.bytes(MemberJson.write(instance, report, clock.instant(), divergedNow)),
                    PutOption.builder().withLeaseId(leaseId).build()));
            published = report;
            publishedDiverged = divergedNow;
            registered.countDown();
        }
    }

    private void leaseLost() {
        events.event(EventLog.Level.WARN, "fleet_lease_lost", Map.of("instance", instance,
                "detail", "the member key expired (etcd away longer than " + LEASE_TTL_SECONDS + "s); re-registering"));
        leaseId = 0;
        published = null;
    }

    // ---------------------------------------------------------------- Fleet

    @Override
    public String instance() {
        return instance;
    }

    @Override
    public List<Member> members() throws IOException {
        TxnResponse r;
        try {
            // one read of both, so that a member is never seen between its two keys
            r = get(client.getKVClient().txn().Then(
                    Op.get(keys.membersPrefix(), GetOption.builder().isPrefix(true).build()),
                    Op.get(keys.registeredPrefix(), GetOption.builder().isPrefix(true).build())).commit());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the fleet's members");
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreUnavailableException("cannot read the fleet's members from etcd: " + describe(e), e);
        }
        java.util.TreeMap<String, Member> byName = new java.util.TreeMap<>();
        for (KeyValue kv : r.getGetResponses().get(1).getKvs()) {
            String name = EtcdKeys.nameOf(kv.getKey());
            byName.put(name, Member.absent(name, MemberJson.registeredAt(kv.getValue().toString(StandardCharsets.UTF_8))));
        }
        for (KeyValue kv : r.getGetResponses().get(0).getKvs()) {
            String name = EtcdKeys.nameOf(kv.getKey());
            try {
                byName.put(name, MemberJson.read(kv.getValue().toString(StandardCharsets.UTF_8)));
            } catch (RuntimeException e) {
                // counted absent, not drained: a report nobody can read proves nothing
                byName.putIfAbsent(name, Member.absent(name, Instant.EPOCH));
                events.event(EventLog.Level.WARN, "fleet_member_unreadable", Map.of(
                        "key", kv.getKey().toString(StandardCharsets.UTF_8), "error", e.toString()));
            }
        }
        return List.copyOf(byName.values());
    }

    @Override
    public boolean forget(String name) throws IOException {
        try {
            TxnResponse r = get(client.getKVClient().txn()
                    .If(new Cmp(keys.member(name), Cmp.Op.EQUAL, CmpTarget.version(0))) // not live
                    .Then(Op.delete(keys.registered(name), io.etcd.jetcd.options.DeleteOption.DEFAULT))
                    .commit());
            if (!r.isSucceeded()) {
                throw new IllegalStateException(name + " is live: stop it first (a clean stop leaves the fleet)");
            }
            return r.getDeleteResponses().get(0).getDeleted() > 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while forgetting a member");
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreUnavailableException("cannot forget the member in etcd: " + describe(e), e);
        }
    }

    @Override
    public synchronized long revision() {
        return Math.max(fleetRevision, applied);
    }

    @Override
    public void requestClose(long revision) throws IOException {
        PutOption opt = leaseId != 0 ? PutOption.builder().withLeaseId(leaseId).build() : PutOption.DEFAULT;
        try {
            get(client.getKVClient().put(keys.close(revision), EtcdKeys.bytes(instance), opt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while asking the fleet to close");
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreUnavailableException("cannot ask the fleet to close: " + describe(e), e);
        }
    }

    @Override
    public void endClose(long revision) {
        client.getKVClient().delete(keys.close(revision));
    }

    @Override
    public void reportChanged() {
        synchronized (memberHint) {
            memberHinted = true;
            memberHint.notifyAll();
        }
    }

    @Override
    public Optional<Fleet> fleet() {
        return Optional.of(this);
    }

    @Override
    public synchronized StoreStatus status() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("endpoints", endpoints);
        d.put("prefix", prefix);
        d.put("instance", instance);
        d.put("applied", applied);
        d.put("fleet_revision", Math.max(fleetRevision, applied));
        if (!available) {
            d.put("since", unavailableSince == null ? null : unavailableSince.toString());
            d.put("error", diverged != null ? diverged : lastError);
        }
        return new StoreStatus("etcd", available, d);
    }

    @Override
    public void close() throws IOException {
        closing = true;
        for (Thread t : new Thread[] {syncThread, memberThread}) {
            if (t != null) {
                t.interrupt();
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try {
            // A clean stop (the data plane has stopped serving) leaves the fleet: no barrier
            // waits for this member until it starts again.
            client.getKVClient().delete(keys.registered(instance)).get(500, TimeUnit.MILLISECONDS);
            if (leaseId != 0) {
                // the member key now rather than when the lease runs out
                client.getLeaseClient().revoke(leaseId).get(500, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // etcd away: the lease expires by itself; the registration stays, and barriers wait for
            // this member until it starts again or an operator forgets it
            events.event(EventLog.Level.WARN, "fleet_leave_failed", Map.of("instance", instance,
                    "error", describe(e), "detail", "barriers wait for this member until it starts again,"
                            + " or until DELETE /api/v1/fleet/members/" + instance));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeWatcher();
            try {
                client.close();
            } finally {
                local.close();
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void wakeSync() {
        synchronized (hint) {
            hinted = true;
            hint.notifyAll();
        }
    }

    private void waitFor(Object monitor, long millis, boolean sync) throws InterruptedException {
        synchronized (monitor) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (!(sync ? hinted : memberHinted)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                monitor.wait(left);
            }
            if (sync) {
                hinted = false;
            } else {
                memberHinted = false;
            }
        }
    }

    private static <T> T get(Future<T> f) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return f.get(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    /** The revision key's value is {@code "R instance nonce"}; R is what counts. */
    private static long parseRevision(ByteSequence value) {
        String v = value.toString(StandardCharsets.UTF_8).trim();
        int space = v.indexOf(' ');
        return Long.parseLong(space < 0 ? v : v.substring(0, space));
    }

    private static String describe(Throwable e) {
        if (e instanceof ExecutionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof TimeoutException) {
            return "no answer within " + READ_TIMEOUT_MILLIS + "ms";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}

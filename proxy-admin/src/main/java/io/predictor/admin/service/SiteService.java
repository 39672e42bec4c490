package io.predictor.admin.service;

import io.predictor.admin.log.AuditLog;
import io.predictor.admin.state.Change;
import io.predictor.admin.state.ChangeRecord;
import io.predictor.admin.state.StaleRevisionException;
import io.predictor.admin.state.StateStore;
import io.predictor.admin.state.StoreUnavailableException;
import io.predictor.core.routing.GroupOverride;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteOverride;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.routing.SiteView;
import io.predictor.core.routing.SitesFileParser;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The single writer of the routing table. Each change is validated (names, state machine,
 * {@code expect}, {@code If-Match}), made durable in the {@link StateStore}, published to the
 * {@link Router} and audited — in that order, under one lock, before the method returns: so a
 * change is never visible before it is durable, and always visible before it is answered.
 *
 * <p>With a fleet store (etcd) the same order holds, and "durable" means committed by the
 * fleet: if another proxy committed the revision first, the change is validated again against
 * the fleet's newer state (so {@code expect}, {@code If-Match} and the state machine see what
 * the other proxy did) and retried. Changes other proxies made arrive through
 * {@link #applyRemote} and are published by the same path.
 *
 * <p>The state machine is judged on what routes the name now: its own entry, else the wildcard
 * that covers it, else {@code routing.default}. Creating {@code new.example.com} as migrated
 * while the default is legacy is therefore a legacy → migrated jump, as it is for its traffic.
 */
public final class SiteService {

    /** A site's new state and, when {@code groupGiven}, its new group (null: none). */
    public record SiteUpdate(SiteState state, boolean groupGiven, String group) {
        public SiteUpdate {
            Objects.requireNonNull(state);
        }
    }

    public record GroupResult(String group, int sites, long revision) {
    }

    /** @param routedBy what the deleted name is routed by now (a wildcard's state or the default) */
    public record DeleteResult(String host, SiteState routedBy, long revision) {
    }

    /**
     * @param differences what the reload changed in the base table when it patched the one in
     *                    service; null when it read the file whole
     */
    public record ReloadResult(long revision, int sites, SitesFileParser.Differences differences) {
    }

    /** How a reload reads the sites file against the table in service (a seam for tests: the parser's failures). */
    interface SitesFileReader {
        SitesFileParser.Result read(Path file, SiteTable inService, boolean paced) throws IOException;
    }

    private final Path sitesFile;
    private SitesFileReader sitesFileReader = SitesFileParser::reload;
    /** Where reloads read the sites file; null: on the caller's thread, paced. */
    private volatile ReloadThread reloadThread;
    /** One reload at a time: two reading a big file whole would need room for three tables. */
    private final Object reloadLock = new Object();
    /** While a reload reads the sites file: its table may stand beside the one in service. */
    private volatile boolean readingSitesFile;
    private volatile Consumer<SitesFileParser.Result> afterReload = parsed -> {
    };
    private final SiteState defaultState;
    private final Router router;
    private final StateStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final ServiceObserver observer;
    private final History history = new History();
    private final Object writeLock = new Object();
    private final Consumer<ChangeRecord> onApplied;

    /** How long a change waits for this proxy to catch up with the fleet after losing a race for a revision. */
    static final long CATCH_UP_MILLIS = 5000;

    // guarded by writeLock; current is also read without it
    private SiteTable base;
    private final Map<String, SiteOverride> siteOverrides = new HashMap<>();
    private final Map<String, GroupOverride> groupOverrides = new HashMap<>();
    private long revision;
    /**
     * Changes this proxy took whose commit the store could neither confirm nor refuse, by
     * revision: they may still arrive from the store ({@link #auditIfOurs}). Under the writer's lock.
     */
    private final java.util.TreeMap<Long, ChangeRecord> uncertain = new java.util.TreeMap<>();
    private volatile RoutingSnapshot current;
    /**
     * The snapshot in service plus the changes applied since it was published, derived change
     * by change (O(log overrides) each, not a rebuild from every override); null when it must be
     * rebuilt from the maps above (a new base table, or a change it could not take).
     */
    private RoutingSnapshot next;

    public SiteService(SiteTable base, Path sitesFile, SiteState defaultState, Router router, StateStore store,
            AuditLog audit, Clock clock) {
        this(base, sitesFile, defaultState, router, store, audit, clock, ServiceObserver.NONE, r -> {
        });
    }

    /** @param observer told about every change, reload and store failure (the metrics) */
    public SiteService(SiteTable base, Path sitesFile, SiteState defaultState, Router router, StateStore store,
            AuditLog audit, Clock clock, ServiceObserver observer) {
        this(base, sitesFile, defaultState, router, store, audit, clock, observer, r -> {
        });
    }

    /** A fleet member's service, without metrics. */
    public SiteService(SiteTable base, Path sitesFile, SiteState defaultState, Router router, StateStore store,
            AuditLog audit, Clock clock, Consumer<ChangeRecord> onApplied) {
        this(base, sitesFile, defaultState, router, store, audit, clock, ServiceObserver.NONE, onApplied);
    }

    /**
     * @param observer  told about every change, reload and store failure (the metrics)
     * @param onApplied told of every change once it is published here, local or remote, in
     *                  revision order, under the writer's lock (keep it short)
     */
    public SiteService(SiteTable base, Path sitesFile, SiteState defaultState, Router router, StateStore store,
            AuditLog audit, Clock clock, ServiceObserver observer, Consumer<ChangeRecord> onApplied) {
        this.observer = Objects.requireNonNull(observer);
        this.onApplied = Objects.requireNonNull(onApplied);
        this.base = Objects.requireNonNull(base);
        this.sitesFile = Objects.requireNonNull(sitesFile);
        this.defaultState = Objects.requireNonNull(defaultState);
        this.router = Objects.requireNonNull(router);
        this.store = Objects.requireNonNull(store);
        this.audit = Objects.requireNonNull(audit);
        this.clock = Objects.requireNonNull(clock);
        this.current = RoutingSnapshot.of(base, 0, defaultState);
        this.next = current;
    }

    /** Re-applies the recovered changes over the base table, in revision order, and publishes the result. */
    public void recover(StateStore.Recovered recovered) {
        synchronized (writeLock) {
            for (ChangeRecord r : recovered.changes()) {
                apply(r);
                history.add(r);
            }
            revision = recovered.revision();
            publish();
        }
    }

    /**
     * Applies changes another proxy of the fleet committed, in revision order, through the same
     * publish path as a local change; records at or below the current revision are skipped. They
     * are history here, but audited only by the proxy that took the call.
     */
    public void applyRemote(List<ChangeRecord> changes) {
        synchronized (writeLock) {
            List<ChangeRecord> applied = new ArrayList<>();
            for (ChangeRecord r : changes) {
                if (r.revision() <= revision) {
                    continue;
                }
                if (r.revision() != revision + 1) {
                    throw new IllegalStateException("change " + r.revision() + " does not follow " + revision);
                }
                apply(r);
                revision = r.revision();
                history.add(r);
                applied.add(r);
                auditIfOurs(r);
            }
            if (!applied.isEmpty()) {
                publish();
                applied.forEach(onApplied);
                writeLock.notifyAll();
            }
        }
    }

    /**
     * A change this proxy took, whose commit the store neither confirmed nor refused, arrives from
     * the store: it was committed after all. Its caller was told "not acknowledged", so nobody
     * audited it, and nobody else will (found by review): audit it here, where the call was taken.
     */
    private void auditIfOurs(ChangeRecord r) {
        uncertain.headMap(r.revision()).clear(); // revisions others took: those attempts lost
        ChangeRecord attempt = uncertain.remove(r.revision());
        if (attempt != null && attempt.equals(r)) {
            audit.recordUnacknowledged(r);
        }
    }

    /** The revision in service. */
    public long revision() {
        return current.revision();
    }

    /** The snapshot in service (the one the data plane reads). */
    public RoutingSnapshot snapshot() {
        return current;
    }

    public History.Page history(long since, int limit) {
        return history.after(since, limit);
    }

    /** History filtered, e.g. by {@link History#ofGroup}. */
    public History.Page history(long since, int limit, java.util.function.Predicate<ChangeRecord> filter) {
        return history.after(since, limit, filter);
    }

    /** Creates or updates a site; answers its entry as now in service. */
    public SiteView putSite(String rawHost, SiteUpdate update, Preconditions pre, String who)
            throws ChangeRefusedException, IOException {
        String host = requireHost(rawHost);
        if (update.groupGiven() && update.group() != null && !SiteNames.isValidGroup(update.group())) {
            throw invalidGroup(update.group());
        }
        return mutate(() -> {
            checkRevision(pre);
            SiteView own = current.entry(host);
            SiteState from = own != null ? own.state() : fallbackState(host);
            boolean forced = checkMove(host, from, update.state(), pre, own == null);
            // a new name under a wildcard without a group of its own lives where the wildcard's
            // sites live: its group, so that the group's cut-over includes it (found by review)
            String group = update.groupGiven() ? update.group() : own != null ? own.group() : coveringGroup(host);
            Change.Entry before = own == null ? null : new Change.Entry(own.state(), own.group());
            commit(new ChangeRecord(revision + 1, clock.instant(), who, forced,
                    new Change.Site(host, before, new Change.Entry(update.state(), group))));
            return current.entry(host);
        });
    }

    /** Removes a site from the table; the name then takes a covering wildcard or the default route. */
    public DeleteResult deleteSite(String rawHost, Preconditions pre, String who)
            throws ChangeRefusedException, IOException {
        String host = requireHost(rawHost);
        return mutate(() -> {
            checkRevision(pre);
            SiteView own = current.entry(host);
            if (own == null) {
                throw new ChangeRefusedException(ChangeRefusedException.Reason.NOT_FOUND,
                        host + " is not in the table");
            }
            SiteState after = fallbackState(host);
            boolean forced = checkMove(host, own.state(), after, pre, false);
            commit(new ChangeRecord(revision + 1, clock.instant(), who, forced,
                    new Change.Site(host, new Change.Entry(own.state(), own.group()), null)));
            return new DeleteResult(host, after, revision);
        });
    }

    /** Moves every site of a group to {@code state}: one revision, one snapshot swap. */
    public GroupResult putGroup(String group, SiteState state, Preconditions pre, String who)
            throws ChangeRefusedException, IOException {
        if (!SiteNames.isValidGroup(group)) {
            throw invalidGroup(group);
        }
        return mutate(() -> {
            checkRevision(pre);
            Change.StateCounts counts = Change.StateCounts.of(current.groupCountsByState(group));
            if (counts.total() == 0) {
                throw new ChangeRefusedException(ChangeRefusedException.Reason.NOT_FOUND,
                        "group " + group + " has no sites");
            }
            if (pre.expect() != null && counts.get(pre.expect()) != counts.total()) {
                throw new ChangeRefusedException(ChangeRefusedException.Reason.EXPECT,
                        "group " + group + " is not entirely " + pre.expect().wireName() + ": " + describe(counts));
            }
            SiteState jumpFrom = state == SiteState.MIGRATED && counts.legacy() > 0 ? SiteState.LEGACY
                    : state == SiteState.LEGACY && counts.migrated() > 0 ? SiteState.MIGRATED : null;
            if (jumpFrom != null && !pre.force()) {
                throw new ChangeRefusedException(ChangeRefusedException.Reason.TRANSITION,
                        "group " + group + " has " + counts.get(jumpFrom) + " " + jumpFrom.wireName()
                                + " site(s); " + jumpFrom.wireName() + " → " + state.wireName()
                                + " must pass through maintenance or hold (or send \"force\": true)");
            }
            commit(new ChangeRecord(revision + 1, clock.instant(), who, jumpFrom != null,
                    new Change.Group(group, state, counts)));
            return new GroupResult(group, counts.total(), revision);
        });
    }

    /**
     * Makes reloads read the sites file on {@code thread} (the caller waits for it): at background
     * priority, so that the read takes only CPU the event loops leave idle.
     */
    public void readReloadsOn(ReloadThread thread) {
        this.reloadThread = Objects.requireNonNull(thread);
    }

    /** Tests only: how reloads read the sites file. */
    void readSitesFileWith(SitesFileReader reader) {
        this.sitesFileReader = Objects.requireNonNull(reader);
    }

    /**
     * Reads the sites file again and makes it the base table, keeping every runtime change on
     * top. A file with errors changes nothing: the refusal lists every error. Few differences
     * from the table in service are patched onto it; many make the reload read the file whole,
     * which needs the heap for a second table ({@link SitesFileParser#reload}).
     */
    public ReloadResult reload(Preconditions pre, String who) throws ChangeRefusedException, IOException {
        boolean ok = false;
        try {
            ReloadResult r;
            synchronized (reloadLock) {
                r = reloadSitesFile(pre, who);
            }
            ok = true;
            return r;
        } finally {
            observer.reloaded(ok);
        }
    }

    private ReloadResult reloadSitesFile(Preconditions pre, String who) throws ChangeRefusedException, IOException {
        SiteTable inService;
        synchronized (writeLock) {
            inService = base;
        }
        // Read outside the writer's lock: three million lines take a while and need no lock. The
        // result is the whole file's table (patched or not) whatever changed since, so it may replace any base.
        SitesFileParser.Result parsed;
        readingSitesFile = true;
        try {
            parsed = read(inService);
        } catch (IOException e) {
            throw new ChangeRefusedException(ChangeRefusedException.Reason.SITES_FILE,
                    "cannot read the sites file", List.of(sitesFile + ": " + e));
        } catch (OutOfMemoryError e) {
            // What failed to fit (a whole second table, as a rule) is garbage now: refuse with what
            // to do and keep serving the table in service.
            throw outOfHeap(inService, e);
        } finally {
            readingSitesFile = false;
        }
        if (!parsed.ok()) {
            List<String> details = new ArrayList<>();
            parsed.problems().forEach(p -> details.add(p.toString()));
            if (parsed.problemCount() > parsed.problems().size()) {
                details.add("… and " + (parsed.problemCount() - parsed.problems().size()) + " more errors");
            }
            throw new ChangeRefusedException(ChangeRefusedException.Reason.SITES_FILE,
                    parsed.problemCount() + " error(s) in " + sitesFile + "; the table in service is unchanged",
                    details);
        }
        ReloadResult result = mutate(() -> {
            checkRevision(pre);
            SiteTable next = parsed.table();
            commit(new ChangeRecord(revision + 1, clock.instant(), who, false,
                    new Change.Reload(sitesFile.toString(), base.size(), next.size())), next);
            return new ReloadResult(revision, next.size(), parsed.differences());
        });
        afterReload.accept(parsed);
        return result;
    }

    /**
     * {@code then} is given every sites file a reload read (whole or patched) and put in
     * service, after its commit; on the caller's thread, which it must not hold up.
     */
    public void afterReload(Consumer<SitesFileParser.Result> then) {
        this.afterReload = then;
    }

    /**
     * Whether a reload is reading the sites file now. Read whole, its table stands beside the
     * one in service until the read ends, and the heap is that much fuller for a while.
     */
    public boolean readingSitesFile() {
        return readingSitesFile;
    }

    /** Paced where the OS cannot run the read at background priority; errors (out of heap too) as thrown. */
    private SitesFileParser.Result read(SiteTable inService) throws IOException {
        ReloadThread thread = reloadThread;
        if (thread == null) {
            return sitesFileReader.read(sitesFile, inService, true);
        }
        boolean paced = !thread.background();
        return thread.call(() -> sitesFileReader.read(sitesFile, inService, paced));
    }

    private ChangeRefusedException outOfHeap(SiteTable inService, OutOfMemoryError e) {
        long mib = 1024 * 1024;
        long table = inService.footprintBytes();
        long max = Runtime.getRuntime().maxMemory();
        // one more table's room, rounded up to 64 MiB
        long advice = ((max + table) / mib + 63) / 64 * 64;
        return new ChangeRefusedException(ChangeRefusedException.Reason.HEAP,
                "the reload of " + sitesFile + " ran out of heap (" + e.getMessage() + ") and was refused;"
                        + " the table in service is unchanged. A sites file that differs in more than " + SitesFileParser.patchLimit(inService)
                        + " sites from the one last read whole is read whole again, beside the table in service"
                        + " (" + inService.size() + " sites, " + table / mib + " MiB), and the heap is at most "
                        + max / mib + " MiB: give the JVM room for a second table, e.g. -Xmx" + advice + "m"
                        + " (bin/predictor: PREDICTOR_JVM_FLAGS), or reload fewer changes at a time");
    }

    /** One try at a change: validate against the state in service, then commit. Runs under the writer's lock. */
    private interface Attempt<T> {
        T run() throws ChangeRefusedException, IOException;
    }

    /**
     * Runs {@code attempt} under the writer's lock; when another proxy of the fleet took the
     * revision first, waits (lock released) until this proxy has applied the fleet's newer
     * changes and tries again, validating against them.
     */
    private <T> T mutate(Attempt<T> attempt) throws ChangeRefusedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_MILLIS);
        while (true) {
            long target;
            try {
                synchronized (writeLock) {
                    return attempt.run();
                }
            } catch (StaleRevisionException e) {
                target = e.fleetRevision();
            }
            if (!awaitRevision(target, deadline)) {
                throw new ChangeRefusedException(ChangeRefusedException.Reason.CONFLICT,
                        "the fleet kept moving (revision " + target + ") and this proxy could not catch up within "
                                + CATCH_UP_MILLIS + "ms; nothing was changed: re-read and retry");
            }
        }
    }

    private boolean awaitRevision(long target, long deadline) {
        synchronized (writeLock) {
            try {
                // at least one short pause, so that a store that keeps refusing cannot spin the caller
                writeLock.wait(5);
                while (revision < target) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return false;
                    }
                    writeLock.wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            return System.nanoTime() - deadline < 0;
        }
    }

    private void commit(ChangeRecord r) throws IOException {
        commit(r, base);
    }

    /** Durable, then visible, then audited: the order every acknowledgement relies on. */
    private void commit(ChangeRecord r, SiteTable nextBase) throws IOException {
        try {
            store.append(r);
        } catch (StoreUnavailableException e) {
            observer.storeFailed();
            if (e.mayHaveCommitted()) {
                uncertain.put(r.revision(), r);
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            observer.storeFailed();
            throw e;
        }
        base = nextBase;
        apply(r);
        revision = r.revision();
        publish();
        history.add(r);
        audit.record(r);
        onApplied.accept(r);
        observer.committed(r);
    }

    private void apply(ChangeRecord r) {
        Change c = r.change();
        if (c instanceof Change.Site s) {
            Change.Entry a = s.after();
            SiteOverride o = a == null ? new SiteOverride(s.host(), null, null, r.revision())
                    : new SiteOverride(s.host(), a.state(), a.group(), r.revision(),
                            groupFollowsFile(s, siteOverrides.get(s.host())));
            siteOverrides.put(s.host(), o);
            derive(n -> n.with(o));
        } else if (c instanceof Change.Group g) {
            GroupOverride o = new GroupOverride(g.group(), g.state(), r.revision());
            groupOverrides.put(g.group(), o);
            derive(n -> n.with(o));
        }
        // A reload record only marks the revision: the base is whatever the sites file says now.
    }

    /**
     * Whether a site change leaves the site's group to the sites file: it did not move the site to
     * another group (a state-only PUT records the group the site had), and no earlier runtime
     * change of the site did. Pinning the group there made a later sites file that moves the site
     * to another filer move nothing, and the new filer's cut-over left the site out (found by
     * review). Decided from the record itself, so a restart's replay and every fleet member agree.
     */
    private static boolean groupFollowsFile(Change.Site s, SiteOverride previous) {
        String before = s.before() == null ? null : s.before().group();
        if (!java.util.Objects.equals(before, s.after().group())) {
            return false; // moved at runtime: the operator's group holds over the file's
        }
        return previous == null || previous.state() == null || previous.groupFromFile();
    }

    private void derive(java.util.function.UnaryOperator<RoutingSnapshot> change) {
        if (next != null && next.base() == base) {
            try {
                next = change.apply(next);
            } catch (IllegalArgumentException e) {
                next = null; // out of revision order: publish() rebuilds from the maps, which hold it
            }
        } else {
            next = null;
        }
    }

    private void publish() {
        RoutingSnapshot s = next != null && next.base() == base ? next.withRevision(revision)
                : RoutingSnapshot.of(base, siteOverrides.values(), groupOverrides.values(), revision, defaultState);
        next = s;
        current = s;
        router.publish(s);
    }

    /**
     * Applies {@code expect} and the state machine to a move of {@code host} from {@code from} to
     * {@code to}; returns whether {@code force} was needed.
     */
    private static boolean checkMove(String host, SiteState from, SiteState to, Preconditions pre, boolean notInTable)
            throws ChangeRefusedException {
        String where = notInTable ? " (not in the table; routed as " + from.wireName() + ")" : "";
        if (pre.expect() != null && pre.expect() != from) {
            throw new ChangeRefusedException(ChangeRefusedException.Reason.EXPECT,
                    host + " is " + from.wireName() + where + ", not " + pre.expect().wireName());
        }
        if (from.canMoveTo(to)) {
            return false;
        }
        if (!pre.force()) {
            throw new ChangeRefusedException(ChangeRefusedException.Reason.TRANSITION,
                    host + " is " + from.wireName() + where + "; " + from.wireName() + " → " + to.wireName()
                            + " must pass through maintenance or hold (or send \"force\": true)");
        }
        return true;
    }

    /**
     * The state a name takes without its own entry: the longest wildcard that covers it, else the
     * default. For {@code *.a.b} the covering wildcards are those of proper suffixes ({@code *.b}).
     */
    /** The group of the wildcard entry that routes {@code host} now, or null. */
    private String coveringGroup(String host) {
        SiteView w = covering(host);
        return w == null ? null : w.group();
    }

    private SiteState fallbackState(String host) {
        SiteView w = covering(host);
        return w == null ? defaultState : w.state();
    }

    /** The wildcard entry that routes {@code host} now (not {@code host}'s own entry), or null. */
    private SiteView covering(String host) {
        String name = host.startsWith("*.") ? host.substring(2) : host;
        for (int i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
            SiteView w = current.entry("*." + name.substring(i + 1));
            if (w != null) {
                return w;
            }
        }
        return null;
    }

    private void checkRevision(Preconditions pre) throws ChangeRefusedException {
        if (pre.ifMatch() != null && pre.ifMatch() != revision) {
            throw new ChangeRefusedException(ChangeRefusedException.Reason.PRECONDITION,
                    "the table is at revision " + revision + ", not " + pre.ifMatch());
        }
    }

    private static String requireHost(String raw) throws ChangeRefusedException {
        String host = SiteNames.host(raw);
        if (host == null) {
            throw new ChangeRefusedException(ChangeRefusedException.Reason.INVALID,
                    "invalid host '" + raw + "'; expected a DNS name (IDN in punycode), optionally starting"
                            + " with '*.', without port");
        }
        return host;
    }

    private static ChangeRefusedException invalidGroup(String group) {
        return new ChangeRefusedException(ChangeRefusedException.Reason.INVALID,
                "invalid group '" + group + "'; expected 1 to " + SiteNames.MAX_GROUP_LENGTH
                        + " printable characters without spaces or '#'");
    }

    private static String describe(Change.StateCounts c) {
        return c.legacy() + " legacy, " + c.migrated() + " migrated, " + c.maintenance() + " maintenance, "
                + c.hold() + " hold";
    }
}

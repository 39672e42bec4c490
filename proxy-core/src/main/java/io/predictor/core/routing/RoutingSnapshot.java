package io.predictor.core.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a request needs to be routed, in one immutable object: the base table, the runtime
 * overlay (site overrides, group overrides, each stamped with its revision), the revision, and
 * the default route. The effective state of a site is the newest of its site override, its
 * group's override and its base entry. A request reads the current snapshot once and keeps it.
 *
 * <p>Matching: an exact name beats a wildcard; among wildcards the longest suffix wins;
 * {@code *.example.com} matches {@code a.example.com} and {@code a.b.example.com} but not
 * {@code example.com} itself (as in HAProxy and nginx's {@code *.} form).
 */
public final class RoutingSnapshot {

    /** {@link #resolve} found no entry: the host takes the default route. */
    public static final long NOT_FOUND = -1;

    private final SiteTable base;
    private final SiteSet overlayExact;
    private final SiteSet overlayWildcard;
    private final long revision;
    private final SiteState defaultState;
    /** Group names beyond the base table's, for groups first named at runtime. */
    private final List<String> extraGroupNames;
    private final Map<String, Integer> extraGroupIds;
    /** Per group id: overriding state code, or -1. */
    private final byte[] groupStates;
    private final long[] groupRevisions;
    private final int overrideCount;
    private volatile Map<SiteState, Integer> counts;
    private volatile GroupCounts groupCounts;

    private RoutingSnapshot(SiteTable base, SiteSet overlayExact, SiteSet overlayWildcard, long revision,
            SiteState defaultState, List<String> extraGroupNames, Map<String, Integer> extraGroupIds,
            byte[] groupStates, long[] groupRevisions, int overrideCount) {
        this.base = base;
        this.overlayExact = overlayExact;
        this.overlayWildcard = overlayWildcard;
        this.revision = revision;
        this.defaultState = defaultState;
        this.extraGroupNames = extraGroupNames;
        this.extraGroupIds = extraGroupIds;
        this.groupStates = groupStates;
        this.groupRevisions = groupRevisions;
        this.overrideCount = overrideCount;
    }

    /** A snapshot of the base table alone. */
    public static RoutingSnapshot of(SiteTable base, long revision, SiteState defaultState) {
        return of(base, List.of(), List.of(), revision, defaultState);
    }

    /** Builds a snapshot: O(overrides + groups), never a copy of the base table. */
    public static RoutingSnapshot of(SiteTable base, Collection<SiteOverride> sites,
            Collection<GroupOverride> groups, long revision, SiteState defaultState) {
        List<String> extraNames = new ArrayList<>();
        Map<String, Integer> extraIds = new HashMap<>();
        java.util.function.ToIntFunction<String> groupId = name -> {
            if (name == null) {
                return SiteSet.NO_GROUP;
            }
            int id = base.groupId(name);
            if (id >= 0) {
                return id;
            }
            return extraIds.computeIfAbsent(name, n -> {
                extraNames.add(n);
                return base.groupCount() + extraNames.size() - 1;
            });
        };
        int wild = 0;
        int wildBytes = 0;
        int exactBytes = 0;
        for (SiteOverride o : sites) {
            if (o.host().startsWith("*.")) {
                wild++;
                wildBytes += o.host().length() - 2;
            } else {
                exactBytes += o.host().length();
            }
        }
        int exact = sites.size() - wild;
        HostIndex.Builder ex = new HostIndex.Builder(exact, exactBytes);
        HostIndex.Builder wi = new HostIndex.Builder(wild, wildBytes);
        byte[] exStates = new byte[exact];
        int[] exGroups = new int[exact];
        long[] exRevs = new long[exact];
        byte[] wiStates = new byte[wild];
        int[] wiGroups = new int[wild];
        long[] wiRevs = new long[wild];
        for (SiteOverride o : sites) {
            boolean isWild = o.host().startsWith("*.");
            byte[] name = (isWild ? o.host().substring(2) : o.host()).getBytes(StandardCharsets.ISO_8859_1);
            int id = (isWild ? wi : ex).add(name, 0, name.length);
            if (id < 0) {
                throw new IllegalArgumentException("duplicate site override for " + o.host());
            }
            (isWild ? wiStates : exStates)[id] = o.state() == null ? SiteSet.DELETED : o.state().code();
            (isWild ? wiGroups : exGroups)[id] = groupId.applyAsInt(o.group());
            (isWild ? wiRevs : exRevs)[id] = o.revision();
        }
        for (GroupOverride g : groups) {
            groupId.applyAsInt(g.group());
        }
        int groupCount = base.groupCount() + extraNames.size();
        byte[] gStates = new byte[groupCount];
        long[] gRevs = new long[groupCount];
        java.util.Arrays.fill(gStates, SiteSet.DELETED);
        for (GroupOverride g : groups) {
            int id = groupId.applyAsInt(g.group());
            gStates[id] = g.state().code();
            gRevs[id] = g.revision();
        }
        return new RoutingSnapshot(base,
                new SiteSet(ex.build(), exStates, exGroups, exRevs),
                new SiteSet(wi.build(), wiStates, wiGroups, wiRevs),
                revision, defaultState, List.copyOf(extraNames), Map.copyOf(extraIds), gStates, gRevs,
                sites.size() + groups.size());
    }

    public long revision() {
        return revision;
    }

    public SiteState defaultState() {
        return defaultState;
    }

    public SiteTable base() {
        return base;
    }

    /** How many runtime overrides sit on the base table (what compaction would fold in). */
    public int overrideCount() {
        return overrideCount;
    }

    /**
     * The effective state of a normalised host name, or null when neither an exact nor a
     * wildcard entry matches (the caller then takes {@link #defaultState()}). Allocates nothing.
     */
    public SiteState stateOf(byte[] host, int len) {
        long r = resolve(host, len);
        return r == NOT_FOUND ? null : stateOf(r);
    }

    /**
     * Resolves a normalised host name to a packed value: {@link #NOT_FOUND} (-1), or the
     * effective state and the group id of the entry that matched — read them with
     * {@link #stateOf(long)} and {@link #groupOf(long)}. Allocates nothing.
     */
    public long resolve(byte[] host, int len) {
        long r = resolve(base.exact, overlayExact, host, 0, len);
        if (r == NOT_FOUND) {
            for (int i = 0; i < len && r == NOT_FOUND; i++) {
                if (host[i] == '.') {
                    r = resolve(base.wildcard, overlayWildcard, host, i + 1, len - i - 1);
                }
            }
        }
        return r;
    }

    /** The state of a {@link #resolve} result other than {@link #NOT_FOUND}. */
    public static SiteState stateOf(long resolved) {
        return SiteState.ofCode((int) (resolved & 0xff));
    }

    /** The group id of a {@link #resolve} result (-1: no group); ids below {@link SiteTable}'s group count are the sites file's. */
    public static int groupOf(long resolved) {
        return (int) (resolved >> 8);
    }

    /** The route of a normalised host name. Allocates nothing. */
    public Route route(byte[] host, int len) {
        SiteState s = stateOf(host, len);
        return (s == null ? defaultState : s).route();
    }

    private long resolve(SiteSet baseSet, SiteSet overlay, byte[] name, int off, int len) {
        int state;
        int group;
        long rev;
        int o = overlay.index.find(name, off, len);
        if (o >= 0) {
            state = overlay.states[o];
            if (state == SiteSet.DELETED) {
                return NOT_FOUND;
            }
            group = overlay.groups[o];
            rev = overlay.revisions[o];
        } else {
            int b = baseSet.index.find(name, off, len);
            if (b < 0) {
                return NOT_FOUND;
            }
            state = baseSet.states[b];
            group = baseSet.groups[b];
            rev = 0;
        }
        if (group >= 0 && groupStates[group] >= 0 && groupRevisions[group] > rev) {
            state = groupStates[group];
        }
        return ((long) group << 8) | state;
    }

    /** The entry that decides {@code host}'s route, or null (control plane; allocates). */
    public SiteView describe(String host) {
        String h = HostName.normalize(host);
        if (h == null) {
            return null;
        }
        byte[] b = h.getBytes(StandardCharsets.ISO_8859_1);
        SiteView v = view(h, b, 0, b.length, base.exact, overlayExact);
        for (int i = 0; v == null && i < b.length; i++) {
            if (b[i] == '.') {
                v = view("*." + h.substring(i + 1), b, i + 1, b.length - i - 1, base.wildcard, overlayWildcard);
            }
        }
        return v;
    }

    /** The entry stored under exactly this name (a wildcard as {@code *.suffix}), or null. */
    public SiteView entry(String host) {
        boolean isWild = host.startsWith("*.");
        byte[] b = (isWild ? host.substring(2) : host).getBytes(StandardCharsets.ISO_8859_1);
        return isWild ? view(host, b, 0, b.length, base.wildcard, overlayWildcard)
                : view(host, b, 0, b.length, base.exact, overlayExact);
    }

    private SiteView view(String shown, byte[] name, int off, int len, SiteSet baseSet, SiteSet overlay) {
        int o = overlay.index.find(name, off, len);
        int state;
        int group;
        long rev;
        if (o >= 0) {
            if (overlay.states[o] == SiteSet.DELETED) {
                return null;
            }
            state = overlay.states[o];
            group = overlay.groups[o];
            rev = overlay.revisions[o];
        } else {
            int b = baseSet.index.find(name, off, len);
            if (b < 0) {
                return null;
            }
            state = baseSet.states[b];
            group = baseSet.groups[b];
            rev = 0;
        }
        if (group >= 0 && groupStates[group] >= 0 && groupRevisions[group] > rev) {
            state = groupStates[group];
            rev = groupRevisions[group];
        }
        return new SiteView(shown, SiteState.ofCode(state), groupName(group), rev);
    }

    String groupName(int id) {
        if (id < 0) {
            return null;
        }
        return id < base.groupCount() ? base.groupName(id) : extraGroupNames.get(id - base.groupCount());
    }

    int groupId(String name) {
        int id = base.groupId(name);
        if (id >= 0) {
            return id;
        }
        Integer extra = extraGroupIds.get(name);
        return extra == null ? -1 : extra;
    }

    /** Sites by effective state over the whole table; computed once per snapshot, O(groups + overrides). */
    public Map<SiteState, Integer> countsByState() {
        Map<SiteState, Integer> c = counts;
        if (c == null) {
            int[] n = new int[4];
            SiteQueries.addCounts(this, -2, n);
            c = toMap(n);
            counts = c;
        }
        return c;
    }

    /** Sites of one group by effective state (zeros for an unknown group). */
    public Map<SiteState, Integer> groupCountsByState(String group) {
        int[] n = new int[4];
        int id = groupId(group);
        if (id >= 0) {
            SiteQueries.addCounts(this, id, n);
        }
        return toMap(n);
    }

    /** Every group with its sites by effective state, ordered by name; computed once per snapshot, O(groups + overrides). */
    public GroupCounts groupCounts() {
        GroupCounts g = groupCounts;
        if (g == null) {
            g = SiteQueries.groupCounts(this);
            groupCounts = g;
        }
        return g;
    }

    private static Map<SiteState, Integer> toMap(int[] n) {
        Map<SiteState, Integer> m = new EnumMap<>(SiteState.class);
        for (SiteState s : SiteState.values()) {
            m.put(s, n[s.code()]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    // -- package access for SiteQueries --

    SiteSet overlayExact() {
        return overlayExact;
    }

    SiteSet overlayWildcard() {
        return overlayWildcard;
    }

    int groupCount() {
        return groupStates.length;
    }

    int groupOverrideState(int group) {
        return group < 0 ? -1 : groupStates[group];
    }

    long groupOverrideRevision(int group) {
        return group < 0 ? 0 : groupRevisions[group];
    }
}

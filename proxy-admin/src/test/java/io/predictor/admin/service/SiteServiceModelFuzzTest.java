package io.predictor.admin.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.testing.MemoryStateStore;
import io.predictor.admin.testing.RecordingLog;
import io.predictor.core.routing.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SiteService against a brute-force model (written by a review): random site puts and deletes,
 * group flips, good and bad reloads (patched and whole), restarts from the file or the table's
 * image; after each step every route, entry, count and listing page must match the model.
 */
class SiteServiceModelFuzzTest {
    @TempDir Path tmp;

    /** Sites whose runtime override leaves their group to the file (a change that moved no group). */
    final Set<String> fromFile = new HashSet<>();

    record E(SiteState state, String group, long rev) {}

    @Test
    void fuzz() throws Exception {
        for (int seed = 0; seed < 30; seed++) {
            run(seed);
        }
    }

    void run(int seed) throws Exception {
        Random r = new Random(seed);
        List<String> universe = new ArrayList<>();
        for (int i = 0; i < 300; i++) universe.add("h" + i + ".d" + (i % 5) + ".example.com");
        for (int j = 0; j < 5; j++) universe.add("*.d" + j + ".example.com");
        universe.add("*.example.com");
        Map<String, E> file = new TreeMap<>();
        for (String h : universe) if (r.nextInt(3) > 0) file.put(h, new E(SiteState.ofCode(r.nextInt(4)), r.nextInt(4) == 0 ? null : "g" + r.nextInt(90), 0));
        Path sites = tmp.resolve("sites" + seed + ".txt");
        write(sites, file);
        SiteTable base = SitesFileParser.parse(sites).table();
        Router router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
        MemoryStateStore store = new MemoryStateStore();
        SiteService s0 = new SiteService(base, sites, SiteState.LEGACY, router, store, new RecordingLog(),
                Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC));
        SiteService s = s0;
        s.recover(store.load());
        boolean whole = seed % 2 == 1;
        if (whole) s.readSitesFileWith((f, in, paced) -> SitesFileParser.parse(f));
        java.util.concurrent.atomic.AtomicReference<SitesFileParser.Result> last = new java.util.concurrent.atomic.AtomicReference<>();
        s.afterReload(last::set);
        Path image = tmp.resolve("img" + seed);
        Map<String, E> overrides = new HashMap<>(); // state null = deleted
        fromFile.clear();
        Map<String, E> groups = new HashMap<>();
        long rev = 0;
        Preconditions force = new Preconditions(null, null, true);
        for (int step = 0; step < 150; step++) {
            int op = r.nextInt(10);
            String host = universe.get(r.nextInt(universe.size()));
            String desc;
            if (op < 5) {
                SiteState st = SiteState.ofCode(r.nextInt(4));
                boolean gg = r.nextBoolean();
                String g = gg && r.nextInt(4) > 0 ? "g" + r.nextInt(140) : null;
                E own = entry(file, overrides, host);
                String beforeGroup = own != null ? own.group() : null;
                String group = gg ? g : own != null ? beforeGroup : coveringGroup(file, overrides, host);
                E prev = overrides.get(host);
                boolean pinnedBefore = prev != null && prev.state() != null && !fromFile.contains(host);
                s.putSite(host, new SiteService.SiteUpdate(st, gg, g), force, "t");
                overrides.put(host, new E(st, group, ++rev));
                if (Objects.equals(beforeGroup, group) && !pinnedBefore) {
                    fromFile.add(host);
                } else {
                    fromFile.remove(host);
                }
                desc = "put " + host + " " + st + " " + group;
            } else if (op < 7) {
                if (entry(file, overrides, host) == null) continue;
                s.deleteSite(host, force, "t");
                overrides.put(host, new E(null, null, ++rev));
                fromFile.remove(host);
                desc = "delete " + host;
            } else if (op < 9) {
                String g = "g" + r.nextInt(140);
                if (total(model(file, overrides, groups, g)) == 0) continue;
                SiteState st = SiteState.ofCode(r.nextInt(4));
                s.putGroup(g, st, force, "t");
                groups.put(g, new E(st, g, ++rev));
                desc = "group " + g + " " + st;
            } else {
                Map<String, E> before = new TreeMap<>(file);
                for (int k = 0; k < 30; k++) {
                    String h = universe.get(r.nextInt(universe.size()));
                    if (r.nextBoolean()) file.remove(h);
                    else file.put(h, new E(SiteState.ofCode(r.nextInt(4)), r.nextInt(4) == 0 ? null : "g" + r.nextInt(140), 0));
                }
                if (r.nextInt(4) == 0) {
                    // a bad file: refused, nothing changes
                    write(sites, file);
                    String extra = r.nextBoolean() ? "bad.example.com nowhere\n"
                            : universe.get(r.nextInt(universe.size())).toUpperCase(java.util.Locale.ROOT) + ". legacy\n" + universe.get(r.nextInt(universe.size())) + " hold\n";
                    Files.writeString(sites, Files.readString(sites) + extra);
                    boolean refused = false;
                    try { s.reload(Preconditions.NONE, "t"); } catch (ChangeRefusedException e) { refused = true; file.clear(); file.putAll(before); write(sites, file); }
                    if (!refused) { // the two extra names may both be absent from the file: then it is good
                        ++rev;
                        // re-read what is now in the file into the model
                        file.clear();
                        for (String line : Files.readAllLines(sites)) {
                            String[] t = line.trim().split("\\s+");
                            file.put(HostName.normalize(t[0].startsWith("*.") ? t[0].substring(2) : t[0]) == null ? t[0]
                                    : (t[0].startsWith("*.") ? "*." + HostName.normalize(t[0].substring(2)) : HostName.normalize(t[0])),
                                    new E(SiteState.parse(t[1]), t.length > 2 ? t[2] : null, 0));
                        }
                    }
                    desc = "bad reload refused=" + refused;
                } else {
                write(sites, file);
                s.reload(Preconditions.NONE, "t");
                ++rev;
                desc = "reload";
                }
            }
            if (r.nextInt(12) == 0) {
                // restart: from an image of the last reload's table (if any) or the file parsed
                SiteTable nb;
                if (last.get() != null && r.nextBoolean()) {
                    SiteTableImage.write(last.get().table(), last.get().source(), image);
                    nb = SiteTableImage.read(image, SitesFileDigest.of(sites));
                    if (nb == null) nb = SitesFileParser.parse(sites).table();
                } else {
                    nb = SitesFileParser.parse(sites).table();
                }
                router = new Router(RoutingSnapshot.of(nb, 0, SiteState.LEGACY));
                s = new SiteService(nb, sites, SiteState.LEGACY, router, store, new RecordingLog(),
                        Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC));
                s.recover(store.load());
                if (whole) s.readSitesFileWith((f, in, paced) -> SitesFileParser.parse(f));
                s.afterReload(last::set);
                desc += " +restart";
            }
            RoutingSnapshot snap = router.current();
            String ctx = "seed " + seed + " step " + step + " " + desc;
            assertThat(snap.revision()).as(ctx).isEqualTo(rev);
            for (String h : universe) {
                String probe = h.startsWith("*.") ? "zz" + h.substring(1) : h;
                String spelled = (r.nextBoolean() ? probe.toUpperCase(java.util.Locale.ROOT) : probe) + (r.nextBoolean() ? "." : "") + (r.nextBoolean() ? ":8443" : "");
                byte[] src = spelled.getBytes(StandardCharsets.ISO_8859_1);
                byte[] b = new byte[HostName.MAX_LENGTH + 2];
                int bl = HostName.normalize(src, 0, src.length, b);
                SiteState got = snap.stateOf(b, bl);
                assertThat(got).as(ctx + " route " + probe).isEqualTo(route(file, overrides, groups, probe));
                SiteView v = snap.entry(h);
                E m = effective(file, overrides, groups, h);
                assertThat(v == null ? null : new E(v.state(), v.group(), 0)).as(ctx + " entry " + h)
                        .isEqualTo(m == null ? null : new E(m.state(), m.group(), 0));
            }
            for (int g = 0; g < 140; g++) {
                assertThat(snap.groupCountsByState("g" + g)).as(ctx + " g" + g).isEqualTo(model(file, overrides, groups, "g" + g));
            }
            assertThat(snap.countsByState()).as(ctx + " all").isEqualTo(model(file, overrides, groups, "*"));
            // paging
            List<SiteView> all = SiteQueries.page(snap, null, null, null, 10000).sites();
            List<SiteView> paged = new ArrayList<>();
            String after = null;
            do {
                SiteQueries.Page p = SiteQueries.page(snap, null, null, after, 7);
                paged.addAll(p.sites());
                after = p.next();
            } while (after != null);
            assertThat(paged).as(ctx + " paging").isEqualTo(all);
            int n = 0;
            for (String h : universe) if (effective(file, overrides, groups, h) != null) n++;
            assertThat(all).as(ctx + " listing").hasSize(n);
            for (int q = 1; q < all.size(); q++) assertThat(all.get(q - 1).host().compareTo(all.get(q).host())).as(ctx + " order " + all.get(q).host()).isLessThan(0);
            for (SiteView v : all) { E m = effective(file, overrides, groups, v.host()); assertThat(m).as(ctx + " listed " + v.host()).isNotNull(); assertThat(v.state()).isEqualTo(m.state()); }
        }
    }

    static int total(Map<SiteState, Integer> m) { return m.values().stream().mapToInt(Integer::intValue).sum(); }

    E entry(Map<String, E> file, Map<String, E> ov, String h) {
        E o = ov.get(h);
        if (o != null) {
            if (o.state() == null) return null;
            if (fromFile.contains(h)) {
                E f = file.get(h);
                return new E(o.state(), f == null ? null : f.group(), o.rev());
            }
            return o;
        }
        return file.get(h);
    }

    /** The group of the wildcard entry that covers {@code h} (not its own entry), or null. */
    String coveringGroup(Map<String, E> file, Map<String, E> ov, String h) {
        String name = h.startsWith("*.") ? h.substring(2) : h;
        for (int i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
            E w = entry(file, ov, "*." + name.substring(i + 1));
            if (w != null) return w.group();
        }
        return null;
    }

    E effective(Map<String, E> file, Map<String, E> ov, Map<String, E> groups, String h) {
        E e = entry(file, ov, h);
        if (e == null) return null;
        E g = e.group() == null ? null : groups.get(e.group());
        return g != null && g.rev() > e.rev() ? new E(g.state(), e.group(), g.rev()) : e;
    }

    SiteState route(Map<String, E> file, Map<String, E> ov, Map<String, E> groups, String h) {
        E e = effective(file, ov, groups, h);
        for (int i = h.indexOf('.'); e == null && i >= 0; i = h.indexOf('.', i + 1)) {
            e = effective(file, ov, groups, "*." + h.substring(i + 1));
        }
        return e == null ? null : e.state();
    }

    Map<SiteState, Integer> model(Map<String, E> file, Map<String, E> ov, Map<String, E> groups, String group) {
        Map<SiteState, Integer> m = new EnumMap<>(SiteState.class);
        for (SiteState st : SiteState.values()) m.put(st, 0);
        Set<String> names = new HashSet<>(file.keySet());
        names.addAll(ov.keySet());
        for (String h : names) {
            E e = effective(file, ov, groups, h);
            if (e != null && (group.equals("*") || group.equals(e.group()))) m.merge(e.state(), 1, Integer::sum);
        }
        return m;
    }

    static final Random RND = new Random(7);
    static void write(Path p, Map<String, E> file) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (var en : file.entrySet()) {
            String k = en.getKey();
            if (RND.nextBoolean()) k = k.toUpperCase(java.util.Locale.ROOT);
            if (RND.nextInt(3) == 0) k = k + ".";
            sb.append(k).append(RND.nextBoolean() ? "\t" : "   ").append(en.getValue().state().wireName());
            if (en.getValue().group() != null) sb.append(' ').append(en.getValue().group());
            sb.append('\n');
        }
        Files.writeString(p, sb);
    }
}

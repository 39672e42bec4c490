package io.predictor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SitesFileParserTest {

    @TempDir
    Path dir;

    private SitesFileParser.Result parse(String text) throws IOException {
        Path f = dir.resolve("sites.txt");
        Files.writeString(f, text);
        return SitesFileParser.parse(f);
    }

    @Test
    void loadsSitesCommentsBlankLinesAndWildcards() throws IOException {
        SitesFileParser.Result r = parse("""
                # host                state        group
                www.example.com       migrated     filer-042
                Shop.Example.org.     legacy       filer-042   # trailing comment

                *.blog.example.net    legacy       filer-007
                down.example.org\tMAINTENANCE
                held.example.org hold\r
                last.example.org migrated""");
        assertThat(r.problems()).isEmpty();
        SiteTable t = r.table();
        assertThat(t.size()).isEqualTo(6);
        RoutingSnapshot s = RoutingSnapshot.of(t, 0, SiteState.LEGACY);
        assertThat(s.describe("shop.example.org")).isEqualTo(new SiteView("shop.example.org", SiteState.LEGACY, "filer-042", 0));
        assertThat(s.describe("x.blog.example.net").state()).isEqualTo(SiteState.LEGACY);
        assertThat(s.describe("down.example.org").group()).isNull();
        assertThat(s.describe("held.example.org").state()).isEqualTo(SiteState.HOLD);
        assertThat(s.describe("last.example.org").state()).isEqualTo(SiteState.MIGRATED);
    }

    @Test
    void reportsEveryBadLineWithItsNumberAndYieldsNoTable() throws IOException {
        SitesFileParser.Result r = parse("""
                ok.example.com migrated
                bad.example.com moved
                nostate.example.com
                www.example.com:80 legacy
                a b c d
                ok.example.com legacy
                bücher.example legacy
                """);
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).extracting(SitesFileParser.Problem::line).containsExactly(2, 3, 4, 5, 6, 7);
        assertThat(r.problems().get(0).toString()).endsWith("sites.txt:2: unknown state 'moved' for bad.example.com;"
                + " expected one of legacy, migrated, maintenance, hold");
        assertThat(r.problems().get(4).message()).contains("duplicate site 'ok.example.com'");
    }

    @Test
    void handlesLinesLongerThanTheReadBuffer() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            sb.append("site").append(i).append(".example.com legacy filer-").append(i % 7).append('\n');
        }
        sb.append("# ").append("x".repeat(200_000)).append('\n');
        sb.append("tail.example.com migrated\n");
        SitesFileParser.Result r = parse(sb.toString());
        assertThat(r.problems()).isEmpty();
        assertThat(r.table().size()).isEqualTo(20_001);
        RoutingSnapshot s = RoutingSnapshot.of(r.table(), 0, SiteState.LEGACY);
        assertThat(s.describe("site19999.example.com").group()).isEqualTo("filer-0");
        assertThat(s.describe("tail.example.com").state()).isEqualTo(SiteState.MIGRATED);
    }

    @Test
    void reportsDuplicatesWrittenOtherwiseInLineOrder() throws IOException {
        StringBuilder sb = new StringBuilder();
        String longName = "l" + "x".repeat(240) + ".example";
        for (int i = 1; i <= 100; i++) {
            String host = i == 40 ? "*." + longName + "." // a wildcard of 2 + 250 bytes, trailing dot
                    : i == 41 ? "*." + longName.toUpperCase() // the same, as written otherwise
                    : i % 10 == 0 ? "site" + (i - 7) + ".example.com" // a line 3 back (same batch) or in an earlier one
                    : i == 99 ? "SITE1.example.com." : "site" + i + ".example.com";
            sb.append(host).append(i == 70 ? " moved" : " legacy").append('\n');
        }
        SitesFileParser.Result r = parse(sb.toString());
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).extracting(SitesFileParser.Problem::line)
                .containsExactly(10, 20, 30, 41, 50, 60, 70, 80, 90, 99, 100);
        assertThat(r.problems().get(3).message()).contains("duplicate site '*." + longName.toUpperCase() + "'");
        assertThat(r.problems().get(6).message()).contains("unknown state 'moved'");
        assertThat(r.problems().get(9).message()).contains("duplicate site 'SITE1.example.com.'");
    }

    @Test
    void anEmptyFileOrOneOfCommentsIsAnEmptyTable() throws IOException {
        assertThat(parse("").table().size()).isZero();
        assertThat(parse("# nothing\n\n   \n\t# still nothing").table().size()).isZero();
    }

    @Test
    void aDuplicateAmongManyLinesIsReportedWithItsLineAlone() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 50_000; i++) {
            sb.append(i == 31_337 ? "*.WILD12.example.com" : i == 45_678 ? "Site123.Example.com." : i % 1000 == 12
                    ? "*.wild" + i + ".example.com" : "site" + i + ".example.com").append(" legacy g").append(i % 13).append('\n');
        }
        SitesFileParser.Result r = parse(sb.toString());
        assertThat(r.ok()).isFalse();
        assertThat(r.problemCount()).isEqualTo(2);
        assertThat(r.problems()).extracting(SitesFileParser.Problem::line).containsExactly(31_337, 45_678);
        assertThat(r.problems().get(0).message()).isEqualTo("duplicate site '*.WILD12.example.com'; each host may appear once");
        assertThat(r.problems().get(1).message()).isEqualTo("duplicate site 'Site123.Example.com.'; each host may appear once");
    }

    @Test
    void aFileReadsToTheTableThatAddingItsLinesOneByOneMakes() throws IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        for (int round = 0; round < 10; round++) {
            int n = random.nextInt(1, 30_000);
            StringBuilder sb = new StringBuilder();
            SiteTable.Builder expected = new SiteTable.Builder(n, n * 300, n, n * 300);
            String[] states = {"legacy", "migrated", "maintenance", "hold"};
            java.util.List<String> hosts = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                String host = (random.nextInt(10) == 0 ? "*." : "") + "h" + i + "." + "ab".repeat(random.nextInt(0, 100)) + ".example";
                SiteState state = SiteState.values()[random.nextInt(4)];
                String group = random.nextInt(3) == 0 ? null : "group-" + random.nextInt(50);
                sb.append(random.nextBoolean() ? host.toUpperCase() : host).append(' ').append(state.wireName());
                sb.append(group == null ? "" : " " + group).append(random.nextInt(5) == 0 ? " # note\n" : "\n");
                assertThat(expected.add(host, state, group)).isTrue();
                hosts.add(host);
            }
            SiteTable want = expected.build();
            SiteTable got = parse(sb.toString()).table();
            assertThat(got.size()).isEqualTo(want.size());
            assertThat(got.groupNames()).containsExactly(want.groupNames());
            assertThat(got.countsByGroupAndState).containsExactly(want.countsByGroupAndState);
            assertThat(got.wildcardLengths).containsExactly(want.wildcardLengths);
            assertThat(got.exact.index.ids()).containsExactly(want.exact.index.ids());
            assertThat(got.wildcard.index.ids()).containsExactly(want.wildcard.index.ids());
            RoutingSnapshot g = RoutingSnapshot.of(got, 0, SiteState.LEGACY);
            RoutingSnapshot w = RoutingSnapshot.of(want, 0, SiteState.LEGACY);
            for (String host : hosts) {
                String probe = host.startsWith("*.") ? "x" + host.substring(1) : host;
                assertThat(g.describe(probe)).isEqualTo(w.describe(probe));
            }
        }
    }

    @Test
    void theFirstPassFindsEveryHostWhateverTheLinesLookLike() throws IOException {
        StringBuilder sb = new StringBuilder();
        java.util.List<String> hosts = new java.util.ArrayList<>();
        for (int i = 0; i < 4_000; i++) {
            String host = (i % 4 == 0 ? "*.w" : "h") + i + ".example.org";
            sb.append(switch (i % 5) {
                case 0 -> "\t " + host + "\tlegacy\r\n";
                case 1 -> host + " migrated#c\n# a comment " + "x".repeat(i * 20) + "\n\r\n";
                case 2 -> "  " + host + " hold g" + (i % 3) + "   \n\n";
                case 3 -> host + " maintenance\n";
                default -> host + " legacy " + "g".repeat(100) + "\n";
            });
            hosts.add(host);
        }
        sb.append("last.example.org hold"); // no newline at the end
        hosts.add("last.example.org");
        // the exact counts: 3,001 names, 1,000 wildcards (the slot arrays are sized by the count)
        SiteTable.Builder expected = new SiteTable.Builder(3_001, 3_001 * 20, 1_000, 1_000 * 20);
        hosts.forEach(h -> expected.add(h, SiteState.LEGACY, null));
        SiteTable want = expected.build();
        SiteTable t = parse(sb.toString()).table();
        assertThat(t.size()).isEqualTo(4_001);
        assertThat(t.exact.footprintBytes()).isEqualTo(want.exact.footprintBytes());
        assertThat(t.wildcard.footprintBytes()).isEqualTo(want.wildcard.footprintBytes());
        RoutingSnapshot s = RoutingSnapshot.of(t, 0, SiteState.LEGACY);
        for (String h : hosts) {
            assertThat(s.describe(h.startsWith("*.") ? "x" + h.substring(1) : h)).isNotNull();
        }
    }

    @Test
    void lineNumbersStayRightAcrossManyReadBuffersOfCommentsBlankLinesAndCarriageReturns() throws IOException {
        StringBuilder sb = new StringBuilder();
        java.util.List<Integer> bad = new java.util.ArrayList<>();
        for (int line = 1; line <= 30_000; line++) {
            sb.append(switch (line % 6) {
                case 0 -> "# comment " + "c".repeat(line % 90) + "\n";
                case 1 -> "\r\n";
                case 2 -> "  \t \n";
                case 3 -> "s" + line + ".example.com legacy g1 # note\r\n";
                case 4 -> "s" + line + ".example.com\tHOLD\n";
                default -> line % 601 == 5 ? "s" + line + ".example.com moved\n" : "s" + line + ".example.com migrated\n";
            });
            if (line % 6 == 5 && line % 601 == 5) {
                bad.add(line);
            }
        }
        SitesFileParser.Result r = parse(sb.toString());
        assertThat(r.problemCount()).isEqualTo(bad.size());
        assertThat(r.problems()).extracting(SitesFileParser.Problem::line).containsExactlyElementsOf(bad);
    }

    /**
     * A sites file that grows while it is read (a copy still being written): the pass that
     * loads it found more names than the pass that counted them, and the parse failed with a bare
     * IllegalStateException ("capacity exceeded") that nobody reported as a problem of the file
     * (found by review). Now it is read again, and a file that keeps growing is an IOException
     * that says what to do.
     */
    @Test
    void aFileThatGrowsWhileItIsReadIsReadAgainOrRefusedWithAnIoError() throws Exception {
        java.nio.file.Path f = dir.resolve("growing.txt");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            b.append("s").append(i).append(".example.com legacy g").append(i % 100).append('\n');
        }
        java.nio.file.Files.writeString(f, b);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            try (java.io.Writer w = java.nio.file.Files.newBufferedWriter(f, java.nio.file.StandardOpenOption.APPEND)) {
                for (int i = 0; !stop.get() && i < 300_000; i++) { // bounded: a slow machine parses slowly
                    w.write("grown" + i + ".example.com legacy\n");
                    if (i % 200 == 0) {
                        w.flush();
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        try {
            for (int round = 0; round < 3; round++) {
                try {
                    SitesFileParser.Result r = SitesFileParser.parse(f);
                    assertThat(r.ok()).isTrue();
                } catch (java.io.IOException e) {
                    assertThat(e).hasMessageContaining("kept growing while it was read");
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }
}

package io.predictor.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiteTableImageTest {

    @TempDir
    Path dir;

    private static final SiteState[] STATES = SiteState.values();

    /** 5,000 exact names in every state and 40 groups, some with no group, and wildcards. */
    private Path sitesFile() throws IOException {
        StringBuilder b = new StringBuilder("# host state group\n");
        for (int i = 0; i < 5_000; i++) {
            b.append("site-").append(i).append(".example.com ").append(STATES[i % 4].wireName());
            if (i % 7 != 0) {
                b.append(" filer-").append(i % 40);
            }
            b.append('\n');
        }
        for (int i = 0; i < 50; i++) {
            b.append("*.w").append(i).append(".example.net ").append(STATES[(i + 1) % 4].wireName()).append(" filer-w\n");
        }
        Path f = dir.resolve("sites.txt");
        Files.writeString(f, b);
        return f;
    }

    /** The image of {@code sites} as parsed now. */
    private Path imageOf(Path sites) throws IOException {
        SitesFileParser.Result parsed = SitesFileParser.parse(sites);
        Path image = dir.resolve("t.img");
        SiteTableImage.write(parsed.table(), parsed.source(), image);
        return image;
    }

    private static List<SiteView> everything(SiteTable t) {
        RoutingSnapshot s = RoutingSnapshot.of(t, 0, SiteState.LEGACY);
        List<SiteView> views = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            views.add(s.describe("site-" + i + ".example.com"));
        }
        for (int i = 0; i < 50; i++) {
            views.add(s.describe("x.w" + i + ".example.net"));
            views.add(s.describe("w" + i + ".example.net")); // a wildcard covers subdomains only
        }
        views.add(s.describe("not-there.example.org"));
        return views;
    }

    @Test
    void anImageReadsBackAsTheTableItWasMadeOf() throws IOException {
        Path sites = sitesFile();
        SitesFileParser.Result parsed = SitesFileParser.parse(sites);
        Path image = dir.resolve("t.img");
        SiteTableImage.write(parsed.table(), parsed.source(), image);

        SiteTable read = SiteTableImage.read(image, SitesFileDigest.of(sites));

        assertSameTable(read, parsed.table());
    }

    /** {@code read} routes, counts and weighs as {@code expected} does. */
    private static void assertSameTable(SiteTable read, SiteTable expected) {
        assertThat(read).isNotNull();
        assertThat(read.patchSize()).isEqualTo(expected.patchSize());
        assertThat(read.size()).isEqualTo(expected.size());
        assertThat(read.groupNames()).containsExactly(expected.groupNames());
        assertThat(read.footprintBytes()).isEqualTo(expected.footprintBytes());
        assertThat(everything(read)).isEqualTo(everything(expected));
        assertThat(RoutingSnapshot.of(read, 0, SiteState.LEGACY).countsByState())
                .isEqualTo(RoutingSnapshot.of(expected, 0, SiteState.LEGACY).countsByState());
        assertThat(RoutingSnapshot.of(read, 0, SiteState.LEGACY).groupCountsByState("filer-3"))
                .isEqualTo(RoutingSnapshot.of(expected, 0, SiteState.LEGACY).groupCountsByState("filer-3"));
    }

    @Test
    void theParsersDigestIsThatOfTheFile() throws IOException {
        Path sites = sitesFile();
        assertThat(SitesFileParser.parse(sites).source()).isEqualTo(SitesFileDigest.of(sites));
    }

    @Test
    void aSitesFileChangedByOneByteIsAMiss() throws IOException {
        Path sites = sitesFile();
        Path image = imageOf(sites);
        // the same length, one state changed: legacy -> migrated would be a split brain if missed
        String text = Files.readString(sites).replaceFirst("site-0.example.com legacy", "site-0.example.com LEGACY");
        Files.writeString(sites, text);

        assertThat(SiteTableImage.lookUp(image, SitesFileDigest.of(sites)).miss())
                .isEqualTo(SiteTableImage.Miss.OTHER_SITES_FILE);
    }

    @Test
    void aCorruptOrTornImageIsAMiss() throws IOException {
        Path sites = sitesFile();
        Path image = imageOf(sites);
        byte[] whole = Files.readAllBytes(image);
        byte[] source = SitesFileDigest.of(sites);

        for (int at : new int[] {whole.length / 2, whole.length - 20, whole.length - 1, 100}) {
            Files.write(image, whole);
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.seek(at);
                f.write(whole[at] ^ 0x10);
            }
            assertThat(SiteTableImage.lookUp(image, source)).as("a bit flipped at %d of %d", at, whole.length)
                    .isEqualTo(new SiteTableImage.Lookup(null, SiteTableImage.Miss.DAMAGED));
        }
        for (int length : new int[] {0, 10, 80, whole.length / 2, whole.length - 8, whole.length - 1}) {
            Files.write(image, java.util.Arrays.copyOf(whole, length));
            assertThat(SiteTableImage.lookUp(image, source)).as("cut at %d of %d", length, whole.length)
                    .isEqualTo(new SiteTableImage.Lookup(null, SiteTableImage.Miss.DAMAGED));
        }
        Files.write(image, whole);
        assertThat(SiteTableImage.read(image, source)).as("the intact image").isNotNull();
    }

    @Test
    void anImageOfAnotherBuildIsAMiss() throws IOException {
        Path sites = sitesFile();
        Path image = imageOf(sites);
        byte[] whole = Files.readAllBytes(image);
        whole[8] ^= 1; // the first byte of the code digest, after the 8 of the magic

        Files.write(image, whole);

        assertThat(SiteTableImage.lookUp(image, SitesFileDigest.of(sites)).miss()).isEqualTo(SiteTableImage.Miss.OTHER_BUILD);
    }

    @Test
    void aWriteThatFailsLeavesNoTemporaryFile() throws IOException {
        Path sites = sitesFile();
        SitesFileParser.Result parsed = SitesFileParser.parse(sites);
        Path image = dir.resolve("t.img");
        Files.createDirectories(image.resolve("in-the-way")); // a directory that is not empty: the rename fails

        assertThatThrownBy(() -> SiteTableImage.write(parsed.table(), parsed.source(), image)).isInstanceOf(IOException.class);

        assertThat(dir.resolve("t.img.tmp")).doesNotExist();
        assertThat(image.resolve("in-the-way")).isDirectory();
    }

    @Test
    void noImageIsAMiss() throws IOException {
        assertThat(SiteTableImage.lookUp(dir.resolve("none.img"), new byte[SitesFileDigest.BYTES]).miss())
                .isEqualTo(SiteTableImage.Miss.NO_IMAGE);
    }

    @Test
    void aReloadsPatchedTableReadsBackPatched() throws IOException {
        Path sites = sitesFile();
        SiteTable base = SitesFileParser.parse(sites).table();
        // one state changed, one site removed, a site, a wildcard and a group added
        Files.writeString(sites, Files.readString(sites)
                .replace("site-1.example.com migrated", "site-1.example.com hold")
                .replace("site-2.example.com maintenance filer-2\n", "")
                + "new.example.org migrated filer-new\n*.new.example.net maintenance\n");
        SitesFileParser.Result patched = SitesFileParser.reload(sites, base);
        assertThat(patched.differences()).isEqualTo(new SitesFileParser.Differences(2, 1, 1));
        assertThat(patched.table().patchSize()).isPositive();
        assertThat(patched.source()).isEqualTo(SitesFileDigest.of(sites));
        Path image = dir.resolve("t.img");
        SiteTableImage.write(patched.table(), patched.source(), image);

        SiteTable read = SiteTableImage.read(image, SitesFileDigest.of(sites));

        assertSameTable(read, patched.table());
        RoutingSnapshot s = RoutingSnapshot.of(read, 0, SiteState.LEGACY);
        assertThat(s.describe("site-1.example.com").state()).isEqualTo(SiteState.HOLD);
        assertThat(s.describe("site-2.example.com")).as("removed").isNull();
        assertThat(s.describe("new.example.org").group()).isEqualTo("filer-new");
        assertThat(s.describe("x.new.example.net").state()).isEqualTo(SiteState.MAINTENANCE);
    }

    @Test
    void anEmptyTableHasAnImageToo() throws IOException {
        Path sites = dir.resolve("empty.txt");
        Files.writeString(sites, "# nothing yet\n");
        Path image = imageOf(sites);

        SiteTable read = SiteTableImage.read(image, SitesFileDigest.of(sites));

        assertThat(read).isNotNull();
        assertThat(read.size()).isZero();
    }

    @Test
    void theImageIsKeyedByEveryClassFileOfTheTableCodeNestedOnesIncluded() {
        java.util.List<String> files = SiteTableImage.classFileNames();
        for (String name : files) {
            assertThat(SiteTableImage.class.getResource(name)).as(name).isNotNull();
        }
        // found by review: a layout change inside Reader and Writer alone, or a patcher fix, left
        // the key as it was, and a new build read an old build's image as its own
        assertThat(files).contains("SiteTableImage$Reader.class", "SiteTableImage$Writer.class",
                "TablePatcher.class", "SitesFileParser$Loader.class", "HostIndex$Builder.class");
    }

    @Test
    void slotsThatDisagreeWithTheSizeOrPointOutsideTheArenaMakeNoIndex() {
        byte[] arena = new byte[64];
        long[] slots = new long[8];
        slots[3] = (7L << 32) | 1; // one record at offset 0
        assertThat(HostIndex.of(arena, slots, 1)).isNotNull();
        assertThat(HostIndex.of(arena, slots, 2)).as("the size says two").isNull();
        long[] full = new long[8];
        java.util.Arrays.fill(full, (7L << 32) | 1);
        assertThat(HostIndex.of(arena, full, 8)).as("no empty slot: a miss would probe for ever").isNull();
        long[] outside = slots.clone();
        outside[3] = (7L << 32) | 65;
        assertThat(HostIndex.of(arena, outside, 1)).as("a record past the arena").isNull();
    }
}

package io.predictor.admin.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.admin.testing.RecordingLog;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableImagesTest {

    @TempDir
    Path dir;

    final RecordingLog log = new RecordingLog();

    private Path sites(String text) throws IOException {
        Path f = dir.resolve("sites.txt");
        Files.writeString(f, text);
        return f;
    }

    private static SiteState stateOf(TableImages.Start s, String host) {
        return RoutingSnapshot.of(s.sites().table(), 0, SiteState.LEGACY).describe(host).state();
    }

    @Test
    void theFirstStartParsesAndWritesTheImageTheNextOneReads() throws IOException {
        Path sites = sites("a.example.com migrated filer-1\nb.example.com legacy filer-1\n*.c.example.com hold\n");
        TableImages images = new TableImages(sites, dir.resolve("state"));

        TableImages.Start first = images.load();
        assertThat(first.from()).isEqualTo("sites_file");
        assertThat(first.imageMiss()).isEqualTo("no_image");
        assertThat(images.image()).doesNotExist();
        images.writeUnwritten(log);
        assertThat(log.eventNames()).containsExactly("table_image_written");
        assertThat(images.image()).exists();
        images.writeUnwritten(log);
        assertThat(log.eventNames()).as("written once").hasSize(1);

        TableImages.Start second = new TableImages(sites, dir.resolve("state")).load();
        assertThat(second.fromImage()).isTrue();
        assertThat(second.imageMiss()).isNull();
        assertThat(second.imageProblem()).isNull();
        assertThat(second.sites().table().size()).isEqualTo(3);
        assertThat(stateOf(second, "a.example.com")).isEqualTo(SiteState.MIGRATED);
        assertThat(stateOf(second, "x.c.example.com")).isEqualTo(SiteState.HOLD);
        assertThat(second.sites().source()).isEqualTo(first.sites().source());
    }

    @Test
    void aSitesFileChangedSinceTheImageIsParsed() throws IOException {
        Path sites = sites("a.example.com migrated\n");
        TableImages images = new TableImages(sites, dir.resolve("state"));
        images.load();
        images.writeUnwritten(log);
        Files.writeString(sites, "a.example.com legacy\n");

        TableImages.Start again = new TableImages(sites, dir.resolve("state")).load();

        assertThat(again.from()).isEqualTo("sites_file");
        assertThat(again.imageMiss()).isEqualTo("other_sites_file");
        assertThat(again.imageProblem()).as("another file's image is no problem, just not this one's").isNull();
        assertThat(stateOf(again, "a.example.com")).isEqualTo(SiteState.LEGACY);
    }

    @Test
    void anImageThatCannotBeReadIsReportedAndTheFileParsed() throws IOException {
        Path sites = sites("a.example.com migrated\n");
        Files.createDirectories(dir.resolve("state").resolve(TableImages.FILE_NAME)); // a directory where the image goes

        TableImages.Start s = new TableImages(sites, dir.resolve("state")).load();

        assertThat(s.from()).isEqualTo("sites_file");
        assertThat(s.imageMiss()).isEqualTo("unreadable");
        assertThat(s.imageProblem()).contains(TableImages.FILE_NAME);
        assertThat(stateOf(s, "a.example.com")).isEqualTo(SiteState.MIGRATED);
    }

    @Test
    void anImageThatCannotBeWrittenIsAWarningAndNothingElse() throws IOException {
        Path sites = sites("a.example.com migrated\n");
        Files.writeString(dir.resolve("state"), "a file where the state directory should be");
        TableImages images = new TableImages(sites, dir.resolve("state"));
        images.load();

        images.writeUnwritten(log);

        assertThat(log.events).singleElement().satisfies(e -> {
            assertThat(e.name()).isEqualTo("table_image_not_written");
            assertThat(e.level()).isEqualTo(io.predictor.admin.log.EventLog.Level.WARN);
            assertThat(e.fields().get("detail").toString()).contains("the next start parses the sites file");
        });
    }

    @Test
    void aSitesFileWithProblemsHasNoImage() throws IOException {
        Path sites = sites("a.example.com moved\n");
        TableImages images = new TableImages(sites, dir.resolve("state"));

        TableImages.Start s = images.load();
        images.writeUnwritten(log);

        assertThat(s.sites().ok()).isFalse();
        assertThat(log.events).isEmpty();
        assertThat(images.image()).doesNotExist();
    }

    /** A kill -9 during an image write leaves a temporary file up to the table's size: the next start removes it. */
    @Test
    void aTemporaryImageLeftByAKillDuringTheWriteIsRemovedAtTheNextStart() throws IOException {
        Path sites = sites("a.example.com migrated filer-1\n");
        Path state = dir.resolve("state");
        TableImages first = new TableImages(sites, state);
        first.load();
        first.writeUnwritten(log);
        Path tmp = state.resolve(TableImages.FILE_NAME + ".tmp");
        Files.write(tmp, new byte[1 << 20]);

        TableImages next = new TableImages(sites, state);
        assertThat(next.load().fromImage()).isTrue();
        next.removeInterruptedWrite(log);

        assertThat(tmp).doesNotExist();
        assertThat(log.eventNames()).endsWith("table_image_leftover_removed");
    }
}

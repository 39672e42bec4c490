package io.predictor.admin.state;

import io.predictor.admin.log.EventLog;
import io.predictor.core.routing.SiteTableImage;
import io.predictor.core.routing.SitesFileDigest;
import io.predictor.core.routing.SitesFileParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base table's image in the state directory ({@value #FILE_NAME}): at start the table is
 * read from it instead of parsing the sites file when it is the image of the sites file as the
 * file is now ({@link SiteTableImage}); after a start that parsed the file and after each
 * reload, the new table's image is written (a reload's patched table too), off the event loops. The image is a cache: deleting it costs the next
 * start the parse, and nothing else.
 */
public final class TableImages {

    /** The image's name in {@code state.path}. */
    public static final String FILE_NAME = "sites-table.img";

    /**
     * The table to start with and where it came from.
     *
     * @param from         {@code image} or {@code sites_file}
     * @param imageMiss    from the sites file: why not from the image ({@link SiteTableImage.Miss}'s
     *                     names, or {@code unreadable}); else null
     * @param imageProblem why an image that is there could not be read (it is then parsed around); else null
     */
    public record Start(SitesFileParser.Result sites, String from, long millis, String imageMiss, String imageProblem) {
        public boolean fromImage() {
            return from.equals("image");
        }
    }

    private final Path sitesFile;
    private final Path image;
    /** The table {@link #load} parsed, until {@link #writeUnwritten} writes its image. */
    private volatile SitesFileParser.Result unwritten;

    public TableImages(Path sitesFile, Path stateDirectory) {
        this.sitesFile = sitesFile;
        this.image = stateDirectory.resolve(FILE_NAME);
    }

    public Path image() {
        return image;
    }

    /**
     * The base table: the image's when it is one of the sites file's bytes now, else the sites
     * file parsed (with its problems, if it has any).
     *
     * @throws IOException when the sites file cannot be read
     */
    public Start load() throws IOException {
        long start = System.nanoTime();
        byte[] source = SitesFileDigest.of(sitesFile);
        String problem = null;
        String miss;
        try {
            SiteTableImage.Lookup found = SiteTableImage.lookUp(image, source);
            if (found.table() != null) {
                return new Start(new SitesFileParser.Result(found.table(), List.of(), 0, null, source), "image",
                        millisSince(start), null, null);
            }
            miss = found.miss().wireName();
        } catch (IOException | RuntimeException e) {
            problem = image + ": " + e;
            miss = "unreadable";
        }
        SitesFileParser.Result parsed = SitesFileParser.parse(sitesFile);
        if (parsed.ok()) {
            unwritten = parsed;
        }
        return new Start(parsed, "sites_file", millisSince(start), miss, problem);
    }

    /**
     * Removes what an image write that a kill -9 or a power cut interrupted left behind: a file as
     * large as the table, which nothing else would remove until the next write (after a reload, if
     * ever). Call at start, before any write; logs what it did. Never throws.
     */
    public void removeInterruptedWrite(EventLog log) {
        Path tmp = SiteTableImage.temporaryFile(image);
        if (!Files.exists(tmp)) {
            return;
        }
        try {
            long bytes = Files.size(tmp);
            Files.delete(tmp);
            log.event(EventLog.Level.INFO, "table_image_leftover_removed", Map.of("path", tmp.toString(),
                    "mb", megabytes(bytes), "detail", "left by an image write that was interrupted"));
        } catch (IOException e) {
            log.event(EventLog.Level.WARN, "table_image_leftover_not_removed", Map.of("path", tmp.toString(),
                    "error", e.toString(), "detail", "left by an interrupted image write; the next image write replaces it"));
        }
    }

    /**
     * Writes the image of {@code parsed}, a table read from the sites file (whole or patched),
     * and logs the outcome. Never throws: the image is a cache.
     */
    public void write(SitesFileParser.Result parsed, EventLog log) {
        if (!parsed.ok() || parsed.source() == null) {
            return;
        }
        long start = System.nanoTime();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", image.toString());
        f.put("sites", parsed.table().size());
        try {
            Files.createDirectories(image.getParent());
            SiteTableImage.write(parsed.table(), parsed.source(), image);
            f.put("mb", megabytes(Files.size(image)));
            f.put("ms", millisSince(start));
            log.event(EventLog.Level.INFO, "table_image_written", f);
        } catch (IOException | RuntimeException e) {
            f.put("error", e.toString());
            f.put("detail", "the next start parses the sites file instead of reading the image (slower, the same table)");
            log.event(EventLog.Level.WARN, "table_image_not_written", f);
        }
    }

    /** Writes the image of the table {@link #load} parsed, if it parsed one and it is not written yet. */
    public void writeUnwritten(EventLog log) {
        SitesFileParser.Result parsed = unwritten;
        unwritten = null;
        if (parsed != null) {
            write(parsed, log);
        }
    }

    /** {@code bytes} in MiB with one decimal, for the events. */
    private static double megabytes(long bytes) {
        return Math.round(bytes / 1048576.0 * 10) / 10.0;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}

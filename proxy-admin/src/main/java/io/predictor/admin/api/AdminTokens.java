package io.predictor.admin.api;

import io.predictor.admin.log.EventLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;

/**
 * The tokens in force, re-read when the tokens file changes (its modification time, size or
 * inode, checked on each authenticated call) or on {@link #reload()} (SIGHUP). A file that has
 * become unreadable or invalid does not replace the tokens in force: it is reported once.
 */
public final class AdminTokens {

    private final Path file;
    private final EventLog events;
    private volatile TokenFile current;
    private volatile Object stamp;

    private AdminTokens(Path file, EventLog events, TokenFile tokens, Object stamp) {
        this.file = file;
        this.events = events;
        this.current = tokens;
        this.stamp = stamp;
    }

    /** Reads the file now: a missing or invalid tokens file at start is an error. */
    public static AdminTokens load(Path file, EventLog events) throws IOException, TokenFile.InvalidTokenFileException {
        Object stamp = stamp(file);
        return new AdminTokens(file, Objects.requireNonNull(events), TokenFile.read(file), stamp);
    }

    /** The name (or fingerprint) of the token presented, or null. */
    public String identify(String token) {
        refreshIfChanged();
        return current.identify(token);
    }

    /** Re-reads the file whether or not it looks changed; false (and a warning) if it is unusable. */
    public synchronized boolean reload() {
        Object seen;
        try {
            seen = stamp(file);
        } catch (IOException e) {
            seen = e.toString();
        }
        return reload(seen);
    }

    private void refreshIfChanged() {
        Object seen;
        try {
            seen = stamp(file);
        } catch (IOException e) {
            seen = e.toString();
        }
        if (!seen.equals(stamp)) {
            synchronized (this) {
                if (!seen.equals(stamp)) {
                    reload(seen);
                }
            }
        }
    }

    private boolean reload(Object seen) {
        stamp = seen; // even on failure: report a bad file once, not on every call
        try {
            TokenFile next = TokenFile.read(file);
            current = next;
            events.event(EventLog.Level.INFO, "admin_tokens_reloaded",
                    Map.of("file", file.toString(), "tokens", next.size()));
            return true;
        } catch (IOException | TokenFile.InvalidTokenFileException e) {
            events.event(EventLog.Level.WARN, "admin_tokens_reload_failed", Map.of("file", file.toString(),
                    "error", e.getMessage() == null ? e.toString() : e.getMessage(),
                    "detail", "the tokens read before stay in force"));
            return false;
        }
    }

    private static Object stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return a.lastModifiedTime() + "/" + a.size() + "/" + a.fileKey();
    }
}

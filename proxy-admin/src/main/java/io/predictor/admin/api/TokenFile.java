package io.predictor.admin.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin tokens file ({@code admin.tokens_file}): one token a line, {@code TOKEN} or
 * {@code NAME TOKEN}; {@code #} starts a comment. Only SHA-256 digests are kept in memory, and a
 * presented token is compared with every one of them in constant time. The name (or, for an
 * unnamed token, {@code sha256:} and the first 8 hex digits of its digest) is what the audit
 * log records: never the token.
 */
public final class TokenFile {

    public static final int MIN_TOKEN_LENGTH = 16;
    private static final int MAX_TOKEN_LENGTH = 4096;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    private record Entry(String name, byte[] digest) {
    }

    /** A tokens file that cannot be used; {@link #problems()} lists each bad line. */
    public static final class InvalidTokenFileException extends Exception {
        private final List<String> problems;

        InvalidTokenFileException(Path file, List<String> problems) {
            super(file + ": " + String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    private final List<Entry> entries;

    private TokenFile(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static TokenFile read(Path file) throws IOException, InvalidTokenFileException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Entry> entries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> digests = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String[] fields = (hash >= 0 ? line.substring(0, hash) : line).trim().split("[ \t]+");
            if (fields.length == 1 && fields[0].isEmpty()) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": ";
            if (fields.length > 2) {
                problems.add(where + "expected TOKEN or NAME TOKEN");
                continue;
            }
            String token = fields[fields.length - 1];
            if (token.length() < MIN_TOKEN_LENGTH || token.length() > MAX_TOKEN_LENGTH || !isVisibleAscii(token)) {
                problems.add(where + "a token must be " + MIN_TOKEN_LENGTH + " to " + MAX_TOKEN_LENGTH
                        + " visible ASCII characters (e.g. the output of: openssl rand -hex 32)");
                continue;
            }
            byte[] digest = sha256(token);
            String hex = HexFormat.of().formatHex(digest);
            String name = fields.length == 2 ? fields[0] : "sha256:" + hex.substring(0, 8);
            if (fields.length == 2 && !NAME.matcher(name).matches()) {
                problems.add(where + "a token name must be 1 to 64 of A-Z a-z 0-9 . _ @ -");
            } else if (!digests.add(hex)) {
                problems.add(where + "the same token appears twice");
            } else if (!names.add(name)) {
                problems.add(where + "the name " + name + " appears twice");
            } else {
                entries.add(new Entry(name, digest));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidTokenFileException(file, problems);
        }
        return new TokenFile(entries);
    }

    /** The name of the token presented, or null when it is none of them. Constant time in the token. */
    public String identify(String presented) {
        byte[] digest = sha256(presented);
        String found = null;
        for (Entry e : entries) {
            // No early exit: the time taken must not tell which entry (if any) matched.
            if (MessageDigest.isEqual(digest, e.digest())) {
                found = e.name();
            }
        }
        return found;
    }

    public int size() {
        return entries.size();
    }

    private static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

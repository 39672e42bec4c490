package io.predictor.admin.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.predictor.admin.testing.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {

    static final String OPS = "ops-0123456789abcdef";
    static final String ANON = "anon-0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void namedAndUnnamedTokensWithComments() throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "# admin tokens\n\nops " + OPS + "   # the on-call team\n\t" + ANON + "\n");
        TokenFile t = TokenFile.read(f);
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.identify(OPS)).isEqualTo("ops");
        String fp = HexFormat.of().formatHex(TokenFile.sha256(ANON)).substring(0, 8);
        assertThat(t.identify(ANON)).isEqualTo("sha256:" + fp).doesNotContain(ANON);
        assertThat(t.identify("ops")).isNull();
        assertThat(t.identify(OPS + "x")).isNull();
        assertThat(t.identify("")).isNull();
    }

    @Test
    void everyBadLineIsReportedWithItsNumber() throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "a b c\nshort\nops " + OPS + "\nops " + ANON + "\nbad/name " + ANON + "x\n" + OPS + "\n");
        assertThatThrownBy(() -> TokenFile.read(f))
                .isInstanceOfSatisfying(TokenFile.InvalidTokenFileException.class, e -> assertThat(e.problems())
                        .containsExactly(
                                f + ":1: expected TOKEN or NAME TOKEN",
                                f + ":2: a token must be 16 to 4096 visible ASCII characters (e.g. the output of: openssl rand -hex 32)",
                                f + ":4: the name ops appears twice",
                                f + ":5: a token name must be 1 to 64 of A-Z a-z 0-9 . _ @ -",
                                f + ":6: the same token appears twice"))
                .hasMessageNotContaining(OPS);
    }

    @Test
    void adminTokensFollowTheFileAndKeepTheOldOnesWhenItBreaks() throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "ops " + OPS + "\n");
        RecordingLog log = new RecordingLog();
        AdminTokens tokens = AdminTokens.load(f, log);
        assertThat(tokens.identify(OPS)).isEqualTo("ops");

        Files.writeString(f, "new " + ANON + "\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(tokens.identify(OPS)).isNull();
        assertThat(tokens.identify(ANON)).isEqualTo("new");

        Files.writeString(f, "broken line here\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
        assertThat(tokens.identify(ANON)).as("invalid file: the old tokens stay").isEqualTo("new");
        assertThat(tokens.identify(ANON)).isEqualTo("new");
        assertThat(log.eventNames()).containsExactly("admin_tokens_reloaded", "admin_tokens_reload_failed");
        assertThat(log.events.toString()).doesNotContain(OPS).doesNotContain(ANON);

        Files.writeString(f, "ops " + OPS + "\n");
        assertThat(tokens.reload()).isTrue();
        assertThat(tokens.identify(OPS)).isEqualTo("ops");
    }
}

package io.predictor.admin.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What an open-files limit leaves of {@code limits.max_connections}. */
class OpenFilesTest {

    @Test
    void twoDescriptorsAConnectionBesideAReserve() {
        assertThat(OpenFiles.maxConnections(50_000, 1_048_576)).as("systemd's usual hard limit").isEqualTo(50_000);
        assertThat(OpenFiles.maxConnections(50_000, 20_000)).as("(20,000 - 1,000) / 2").isEqualTo(9_500);
        assertThat(OpenFiles.maxConnections(50_000, 1_024)).as("(1,024 - 102) / 2").isEqualTo(461);
        assertThat(OpenFiles.maxConnections(100, 1_024)).as("never more than configured").isEqualTo(100);
        assertThat(OpenFiles.maxConnections(50_000, -1)).as("unknown limit: as configured").isEqualTo(50_000);
        assertThat(OpenFiles.maxConnections(50_000, 3)).as("at least one").isEqualTo(1);
    }

    @Test
    void limitForIsTheSmallestLimitThatKeepsTheConfiguredValue() {
        for (int configured : new int[] {10, 100, 461, 4_499, 4_500, 4_501, 9_500, 50_000, 1_000_000}) {
            long limit = OpenFiles.limitFor(configured);
            assertThat(OpenFiles.maxConnections(configured, limit)).as("%d at %d", configured, limit).isEqualTo(configured);
            assertThat(OpenFiles.maxConnections(configured, limit - 1)).as("%d at %d", configured, limit - 1)
                    .isLessThan(configured);
        }
        assertThat(OpenFiles.limitFor(50_000)).isEqualTo(101_000);
    }

    @Test
    void thisJvmKnowsItsLimit() {
        assertThat(OpenFiles.limit()).as("Linux: RLIMIT_NOFILE").isPositive();
    }
}

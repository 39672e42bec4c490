package io.predictor.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VersionTest {

    @Test
    void theBuildStampsTheProjectVersion() {
        assertThat(Version.current()).matches("\\d+\\.\\d+\\.\\d+.*");
    }
}

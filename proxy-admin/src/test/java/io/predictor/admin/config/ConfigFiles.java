package io.predictor.admin.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes config files into a test's directory and loads them. */
final class ConfigFiles {
    /** The smallest valid config: one listener, the two pools, the sites file. */
    static final String MINIMAL = """
            listeners:
              - name: http
                bind: 127.0.0.1:8080
            pools:
              local: { servers: [127.0.0.1:8081] }
              legacy: { servers: [127.0.0.1:8082] }
            routing:
              sites_file: sites.txt
            """;

    private final Path dir;

    ConfigFiles(Path dir) {
        this.dir = dir;
    }

    Path write(String name, String text) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Config load(String yaml) throws ConfigException {
        return ConfigLoader.load(write("predictor.yaml", yaml));
    }

    /** The problems of an invalid config, each as {@code FILE:LINE: message}. */
    List<String> problems(String yaml) {
        Path file = write("predictor.yaml", yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    /** The problems without the file name: {@code LINE: message}. */
    List<String> problemsAtLines(String yaml) {
        String prefix = dir.resolve("predictor.yaml") + ":";
        return problems(yaml).stream().map(p -> p.startsWith(prefix) ? p.substring(prefix.length()) : p).toList();
    }
}

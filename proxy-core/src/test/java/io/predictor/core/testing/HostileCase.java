package io.predictor.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One case of the hostile request corpus ({@code corpus/hostile/*.http}, format in its README):
 * the raw bytes, the status Predictor must answer, and whether the origin may see the head.
 */
public record HostileCase(String name, int expect, String why, boolean headOnly, byte[] request) {

    /** The corpus directory, found from the module directory or the repository root. */
    public static Path corpusDir() {
        for (Path p : List.of(Path.of("..", "corpus", "hostile"), Path.of("corpus", "hostile"))) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("corpus/hostile not found from " + Path.of("").toAbsolutePath());
    }

    public static List<HostileCase> all() throws IOException {
        List<HostileCase> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(corpusDir())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".http")).sorted().toList()) {
                cases.add(parse(f));
            }
        }
        return cases;
    }

    static HostileCase parse(Path file) throws IOException {
        int expect = -1;
        String why = "";
        boolean headOnly = false;
        StringBuilder body = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            if (body.length() == 0 && line.startsWith("# ")) {
                String meta = line.substring(2);
                if (meta.startsWith("expect: ")) {
                    expect = Integer.parseInt(meta.substring(8).trim());
                } else if (meta.startsWith("why: ")) {
                    why = meta.substring(5);
                } else if (meta.equals("origin: head-only")) {
                    headOnly = true;
                }
                continue;
            }
            body.append(line);
        }
        if (expect < 0) {
            throw new IllegalArgumentException(file + ": no '# expect: STATUS' line");
        }
        return new HostileCase(file.getFileName().toString(), expect, why, headOnly, decode(body.toString()));
    }

    /** Decodes {@code \r \n \t \\ \xHH}. */
    static byte[] decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '\\' -> out.write('\\');
                case 'x' -> {
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + n);
            }
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return name + " (" + why + ")";
    }
}

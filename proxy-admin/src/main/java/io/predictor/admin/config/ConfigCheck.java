package io.predictor.admin.config;

import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SitesFileParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code --check} (like {@code nginx -t}): loads the config and the sites file it names, and prints
 * either a one-line summary or every problem as {@code FILE:LINE: message}.
 */
public final class ConfigCheck {
    private ConfigCheck() {
    }

    /** Returns the exit status: 0 when the config and the sites file are valid, else 1. */
    public static int run(Path configFile, PrintStream out, PrintStream err) {
        ConfigLoader.Loaded loaded;
        try {
            loaded = ConfigLoader.loadWithLines(configFile);
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            return 1;
        }
        List<String> problems = new ArrayList<>();
        checkFiles(configFile.toString(), loaded, problems);
        Path sites = loaded.config().routing().sitesFile();
        SitesFileParser.Result result = null;
        if (Files.isRegularFile(sites)) {
            try {
                result = SitesFileParser.parse(sites);
            } catch (IOException e) {
                problems.add(sites + ":0: the sites file cannot be read: " + e);
            }
        }
        if (result != null && !result.ok()) {
            result.problems().forEach(p -> problems.add(p.toString()));
            int unlisted = result.problemCount() - result.problems().size();
            if (unlisted > 0) {
                problems.add(sites + ": and " + unlisted + " more problems (only the first "
                        + result.problems().size() + " are listed)");
            }
        }
        if (!problems.isEmpty() || result == null) {
            problems.forEach(err::println);
            return 1;
        }
        Map<SiteState, Integer> counts = RoutingSnapshot.of(result.table(), 0, SiteState.LEGACY).countsByState();
        out.println("ok: " + result.table().size() + " sites (" + counts.get(SiteState.LEGACY) + " legacy, "
                + counts.get(SiteState.MIGRATED) + " migrated, " + counts.get(SiteState.MAINTENANCE) + " maintenance, "
                + counts.get(SiteState.HOLD) + " hold)");
        return 0;
    }

    /** What to do about a file that is not there: where a relative path is looked for. */
    static final String RELATIVE_HINT = " (a relative path is resolved against the config file's directory;"
            + " create the file, or correct the path)";

    /** The files the config names must exist: the loader checks values, not the file system. */
    private static void checkFiles(String name, ConfigLoader.Loaded loaded, List<String> out) {
        List<ConfigProblem> problems = new ArrayList<>();
        Config config = loaded.config();
        Path sites = config.routing().sitesFile();
        if (!Files.exists(sites)) {
            problems.add(problem(name, loaded, "routing.sites_file", sites + " does not exist" + RELATIVE_HINT));
        } else if (!Files.isRegularFile(sites)) {
            problems.add(problem(name, loaded, "routing.sites_file", sites + " is not a file"));
        }
        Path tokens = config.admin().tokensFile();
        if (tokens != null && !Files.isRegularFile(tokens)) {
            problems.add(problem(name, loaded, "admin.tokens_file", tokens
                    + (Files.exists(tokens) ? " is not a file" : " does not exist" + RELATIVE_HINT)));
        }
        for (int i = 0; i < config.listeners().size(); i++) {
            Config.Tls tls = config.listeners().get(i).tls();
            if (tls != null && tls.certificates() != null && !Files.isDirectory(tls.certificates())) {
                problems.add(problem(name, loaded, "listeners[" + i + "].tls.certificates", tls.certificates()
                        + " is not a directory (expected one holding NAME.crt + NAME.key pairs)"));
            }
        }
        problems.sort(Comparator.comparingInt(ConfigProblem::line));
        problems.forEach(p -> out.add(p.toString()));
        if (tokens != null && Files.isRegularFile(tokens)) {
            // read as the start reads it: a file the start would refuse must not pass the check
            try {
                io.predictor.admin.api.TokenFile.read(tokens);
            } catch (io.predictor.admin.api.TokenFile.InvalidTokenFileException e) {
                out.addAll(e.problems()); // each FILE:LINE: message
            } catch (IOException e) {
                out.add(tokens + ":0: cannot read the tokens file: " + e.getMessage());
            }
        }
    }

    private static ConfigProblem problem(String file, ConfigLoader.Loaded loaded, String key, String message) {
        return new ConfigProblem(file, loaded.lineOf(key), key + ": " + message);
    }
}

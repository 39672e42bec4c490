package io.predictor.admin.config;

import java.util.List;
import java.util.stream.Collectors;

/** A config file that cannot be used, with every problem found in it (not only the first). */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** The problems in file order. */
    public List<ConfigProblem> problems() {
        return problems;
    }
}

package io.predictor.admin;

import java.nio.file.Path;

/**
 * {@code java -jar predictor.jar [--config FILE] [--check] [--demo]} (SPEC §2).
 *
 * @param config the config file (default {@code config/predictor.yaml})
 * @param check  validate the config and sites file, print a summary, exit
 * @param demo   also start in-process "local" and "legacy" origins
 */
record CommandLine(Path config, boolean check, boolean demo, boolean help) {

    static final String USAGE = "usage: java -jar predictor.jar [--config FILE] [--check] [--demo]\n"
            + "  --config FILE  config file (default config/predictor.yaml)\n"
            + "  --check        validate the config and the sites file, print a summary, exit 0 or 1\n"
            + "  --demo         also start two in-process origins, \"local\" and \"legacy\"\n";

    /** Parses arguments; throws IllegalArgumentException with a message for the user. */
    static CommandLine parse(String[] args) {
        Path config = Path.of("config", "predictor.yaml");
        boolean check = false;
        boolean demo = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") || a.equals("-c")) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("--config needs a file");
                }
                config = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                config = Path.of(a.substring("--config=".length()));
            } else if (a.equals("--check") || a.equals("-t")) {
                check = true;
            } else if (a.equals("--demo")) {
                demo = true;
            } else if (a.equals("--help") || a.equals("-h")) {
                help = true;
            } else {
                throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        return new CommandLine(config, check, demo, help);
    }
}

package io.predictor.admin;

import io.predictor.admin.config.ConfigCheck;

/** Entry point: {@code java -jar predictor.jar [--config FILE] [--check] [--demo]} (SPEC §2). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        CommandLine cli;
        try {
            cli = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("predictor: " + e.getMessage());
            System.err.print(CommandLine.USAGE);
            System.exit(2);
            return;
        }
        if (cli.help()) {
            System.out.print(CommandLine.USAGE);
            return;
        }
        if (cli.check()) {
            System.exit(ConfigCheck.run(cli.config(), System.out, System.err));
            return;
        }
        int code = Program.run(cli);
        if (code != 0) {
            System.exit(code);
        }
    }
}

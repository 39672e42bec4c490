package io.predictor.admin;

/** Entry point: {@code java -jar predictor.jar [--config FILE] [--check] [--demo]}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        throw new UnsupportedOperationException("wired in a later commit");
    }
}

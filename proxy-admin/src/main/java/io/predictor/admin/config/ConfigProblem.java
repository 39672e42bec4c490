package io.predictor.admin.config;

/**
 * One thing wrong with a config file, printed as {@code FILE:LINE: message} like a compiler error.
 * The message names the key, the value and what would be valid; line 0 means the whole file.
 */
public record ConfigProblem(String file, int line, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + message;
    }
}

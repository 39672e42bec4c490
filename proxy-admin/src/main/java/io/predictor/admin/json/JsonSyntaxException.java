package io.predictor.admin.json;

/** A request body that is not the JSON the admin API accepts; the message names what and where. */
public final class JsonSyntaxException extends Exception {
    public JsonSyntaxException(String message) {
        super(message);
    }
}

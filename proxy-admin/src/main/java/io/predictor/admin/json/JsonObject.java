package io.predictor.admin.json;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** An ordered JSON object under construction; {@link #toString()} is its JSON text. Null values are kept. */
public final class JsonObject {

    private final Map<String, Object> fields = new LinkedHashMap<>();

    public JsonObject put(String name, Object value) {
        fields.put(name, value);
        return this;
    }

    public Object get(String name) {
        return fields.get(name);
    }

    public Map<String, Object> fields() {
        return Collections.unmodifiableMap(fields);
    }

    @Override
    public String toString() {
        return Json.write(fields);
    }
}

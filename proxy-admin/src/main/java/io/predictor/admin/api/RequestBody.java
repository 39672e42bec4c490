package io.predictor.admin.api;

import io.predictor.admin.json.FlatJsonParser;
import io.predictor.admin.json.JsonSyntaxException;
import io.predictor.core.routing.SiteState;
import java.util.List;
import java.util.Map;

/** A mutating call's JSON body: one flat object, only the members the call knows (else 400). */
final class RequestBody {

    private final Map<String, Object> members;

    private RequestBody(Map<String, Object> members) {
        this.members = members;
    }

    /** Parses {@code text}; an empty body is an empty object. */
    static RequestBody parse(String text, String... allowed) throws ApiException {
        if (text.isBlank()) {
            return new RequestBody(Map.of());
        }
        Map<String, Object> members;
        try {
            members = FlatJsonParser.parseObject(text);
        } catch (JsonSyntaxException e) {
            throw ApiException.badRequest("the body must be a JSON object: " + e.getMessage());
        }
        for (String name : members.keySet()) {
            if (!List.of(allowed).contains(name)) {
                throw ApiException.badRequest("unknown member \"" + name + "\"; expected "
                        + String.join(", ", allowed));
            }
        }
        return new RequestBody(members);
    }

    boolean has(String name) {
        return members.containsKey(name);
    }

    /** A state member: required, or null when absent and not required. */
    SiteState state(String name, boolean required) throws ApiException {
        String s = string(name);
        if (s == null) {
            if (required) {
                throw ApiException.badRequest("\"" + name + "\" is required: one of legacy, migrated, maintenance, hold");
            }
            return null;
        }
        SiteState state = SiteState.parse(s);
        if (state == null) {
            throw ApiException.badRequest("\"" + name + "\": unknown state '" + s
                    + "'; expected one of legacy, migrated, maintenance, hold");
        }
        return state;
    }

    /** A string member, or null when absent or null. */
    String string(String name) throws ApiException {
        Object v = members.get(name);
        if (v != null && !(v instanceof String)) {
            throw ApiException.badRequest("\"" + name + "\" must be a string");
        }
        return (String) v;
    }

    boolean bool(String name) throws ApiException {
        Object v = members.get(name);
        if (v != null && !(v instanceof Boolean)) {
            throw ApiException.badRequest("\"" + name + "\" must be true or false");
        }
        return Boolean.TRUE.equals(v);
    }
}

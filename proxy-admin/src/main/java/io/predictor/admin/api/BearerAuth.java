package io.predictor.admin.api;

import java.util.Locale;
import java.util.Map;

/**
 * Authenticates mutating calls: {@code Authorization: Bearer TOKEN} (RFC 6750). 401 without a
 * usable header, 403 with a token that is not in the tokens file. Without a tokens file (allowed
 * only on a loopback bind) the admin API is read-only: every mutating call is 401 (SPEC §5; on a
 * shared host, any local user could otherwise change the routing — found by review).
 */
final class BearerAuth {

    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"predictor-admin\"");

    private final AdminTokens tokens;

    /** @param tokens null: no tokens file (loopback only; read-only) */
    BearerAuth(AdminTokens tokens) {
        this.tokens = tokens;
    }

    /** The caller's name for the audit log. */
    String authenticate(String authorization) throws ApiException {
        if (tokens == null) {
            throw new ApiException(401, "unauthorized", "no admin.tokens_file is configured, so the admin API is"
                    + " read-only: add one (lines of NAME TOKEN) to make changes", Map.of(), CHALLENGE);
        }
        if (authorization == null) {
            throw new ApiException(401, "unauthorized", "this call needs Authorization: Bearer <token>",
                    Map.of(), CHALLENGE);
        }
        String a = authorization.trim();
        int space = a.indexOf(' ');
        if (space < 0 || !a.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")
                || a.substring(space + 1).isBlank()) {
            throw new ApiException(401, "unauthorized", "expected Authorization: Bearer <token>", Map.of(), CHALLENGE);
        }
        String who = tokens.identify(a.substring(space + 1).trim());
        if (who == null) {
            throw new ApiException(403, "forbidden", "the token is not in admin.tokens_file");
        }
        return who;
    }
}

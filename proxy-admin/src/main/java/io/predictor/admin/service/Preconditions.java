package io.predictor.admin.service;

import io.predictor.core.routing.SiteState;

/**
 * What a caller asserts about the table before a change: {@code If-Match} on the global
 * revision (412), {@code expect} on the current state (409), and {@code force} to allow a
 * direct legacy ⇄ migrated jump (marked in the audit log).
 *
 * @param ifMatch the revision the caller saw, or null
 * @param expect  the state the caller believes the site (every site of the group) is in, or null
 */
public record Preconditions(Long ifMatch, SiteState expect, boolean force) {

    public static final Preconditions NONE = new Preconditions(null, null, false);
}

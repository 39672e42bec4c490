package io.predictor.admin.service;

import io.predictor.core.routing.HostName;

/**
 * The names the admin API accepts for a change, by the sites file's rules (SPEC §4): a DNS
 * name, optionally {@code *.suffix}, normalised (case folded, trailing dot removed), without
 * port and not an IP literal; a group name of printable non-space characters.
 */
public final class SiteNames {

    public static final int MAX_GROUP_LENGTH = 128;

    private SiteNames() {
    }

    /** The normalised host for a change, or null when the sites file would refuse it too. */
    public static String host(String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        boolean wildcard = raw.startsWith("*.");
        String name = wildcard ? raw.substring(2) : raw;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ':' || c == '[' || c == '*' || c == ' ' || c == '\t') {
                return null;
            }
        }
        if (name.endsWith("..")) {
            return null;
        }
        String normalized = HostName.normalize(name);
        if (normalized == null) {
            return null;
        }
        return wildcard ? "*." + normalized : normalized;
    }

    /** Whether {@code group} may name a group (the sites file splits on whitespace, so none inside). */
    public static boolean isValidGroup(String group) {
        if (group == null || group.isEmpty() || group.length() > MAX_GROUP_LENGTH) {
            return false;
        }
        for (int i = 0; i < group.length(); i++) {
            char c = group.charAt(i);
            if (c <= ' ' || c == '#' || c > '~') {
                return false;
            }
        }
        return true;
    }
}

package io.predictor.core.routing;

/**
 * A runtime change to one site, kept over the base table. {@code state == null} deletes the
 * site (it then takes a wildcard or the default route). {@code host} is normalised and may be a
 * wildcard ({@code *.example.com}).
 *
 * @param groupFromFile the site's group is the one the base table (the sites file) gives it,
 *                      whatever it is when the snapshot is made, and {@code group} is ignored: the
 *                      change set a state and did not move the site to another group, so a sites
 *                      file that moves it later moves it (its storage unit moved)
 */
public record SiteOverride(String host, SiteState state, String group, long revision, boolean groupFromFile) {

    /** A change that sets the site's group to {@code group} (null: no group). */
    public SiteOverride(String host, SiteState state, String group, long revision) {
        this(host, state, group, revision, false);
    }
}

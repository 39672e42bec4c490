package io.predictor.core.routing;

/**
 * What the table says about one site, for the control plane.
 *
 * @param host     the entry that matched (a wildcard entry is named {@code *.suffix})
 * @param state    its effective state
 * @param group    its group, or null
 * @param revision the revision that last set its state (0: the sites file)
 */
public record SiteView(String host, SiteState state, String group, long revision) {
}

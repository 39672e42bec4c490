package io.predictor.core.routing;

/**
 * A runtime change to one site, kept over the base table. {@code state == null} deletes the
 * site (it then takes a wildcard or the default route). {@code host} is normalised and may be a
 * wildcard ({@code *.example.com}).
 */
public record SiteOverride(String host, SiteState state, String group, long revision) {
}

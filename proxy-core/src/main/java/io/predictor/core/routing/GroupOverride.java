package io.predictor.core.routing;

/** A runtime change of every site of a group, one entry however many sites the group holds. */
public record GroupOverride(String group, SiteState state, long revision) {
}

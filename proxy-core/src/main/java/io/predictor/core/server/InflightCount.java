package io.predictor.core.server;

/** Exchanges in flight, by the route that took them. */
public record InflightCount(int local, int legacy) {

    public int total() {
        return local + legacy;
    }

    InflightCount plus(InflightCount o) {
        return new InflightCount(local + o.local, legacy + o.legacy);
    }
}

package io.predictor.admin.state;

import io.predictor.core.routing.SiteState;
import java.util.Map;
import java.util.Objects;

/** What one revision changed: a site, a whole group, or the base table (a sites-file reload). */
public sealed interface Change permits Change.Site, Change.Group, Change.Reload {

    /** A short human description for history and the audit log, e.g. {@code site www.example.com}. */
    String what();

    /** A site's own entry: its state and group (null: none). */
    record Entry(SiteState state, String group) {
        public Entry {
            Objects.requireNonNull(state);
        }
    }

    /**
     * One site created, updated or deleted.
     *
     * @param host   normalised, possibly a wildcard ({@code *.example.com})
     * @param before its entry before the change, or null when it was not in the table
     * @param after  its entry after the change, or null when the change deleted it
     */
    record Site(String host, Entry before, Entry after) implements Change {
        public Site {
            Objects.requireNonNull(host);
        }

        @Override
        public String what() {
            return (after == null ? "delete site " : "site ") + host;
        }
    }

    /**
     * Every site of a group moved to one state, in one step.
     *
     * @param before how many of the group's sites were in each state just before
     */
    record Group(String group, SiteState state, StateCounts before) implements Change {
        public Group {
            Objects.requireNonNull(group);
            Objects.requireNonNull(state);
            Objects.requireNonNull(before);
        }

        @Override
        public String what() {
            return "group " + group;
        }
    }

    /** The sites file was read again and replaced the base table; runtime changes stay on top. */
    record Reload(String file, int sitesBefore, int sitesAfter) implements Change {
        public Reload {
            Objects.requireNonNull(file);
        }

        @Override
        public String what() {
            return "reload " + file;
        }
    }

    /** Sites by state, e.g. a group's composition before it was flipped. */
    record StateCounts(int legacy, int migrated, int maintenance, int hold) {

        public static StateCounts of(Map<SiteState, Integer> counts) {
            return new StateCounts(counts.getOrDefault(SiteState.LEGACY, 0),
                    counts.getOrDefault(SiteState.MIGRATED, 0),
                    counts.getOrDefault(SiteState.MAINTENANCE, 0),
                    counts.getOrDefault(SiteState.HOLD, 0));
        }

        public int get(SiteState state) {
            return switch (state) {
                case LEGACY -> legacy;
                case MIGRATED -> migrated;
                case MAINTENANCE -> maintenance;
                case HOLD -> hold;
            };
        }

        public int total() {
            return legacy + migrated + maintenance + hold;
        }
    }
}

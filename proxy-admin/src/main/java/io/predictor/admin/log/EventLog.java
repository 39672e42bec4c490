package io.predictor.admin.log;

import java.util.Map;

/** Operational events of the control plane (warnings an operator should see). Never given a secret. */
public interface EventLog {

    enum Level { INFO, WARN, ERROR }

    /**
     * @param event  a stable snake_case name, e.g. {@code journal_tail_dropped}
     * @param fields extra fields, written in iteration order
     */
    void event(Level level, String event, Map<String, ?> fields);
}

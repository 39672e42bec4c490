package io.predictor.admin.testing;

import io.predictor.admin.log.AuditLog;
import io.predictor.admin.log.EventLog;
import io.predictor.admin.state.ChangeRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps audit records and events in memory for assertions. */
public final class RecordingLog implements AuditLog, EventLog {

    public record Event(Level level, String name, Map<String, ?> fields) {
    }

    public final List<ChangeRecord> audit = new CopyOnWriteArrayList<>();
    public final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void record(ChangeRecord change) {
        audit.add(change);
    }

    @Override
    public void event(Level level, String event, Map<String, ?> fields) {
        events.add(new Event(level, event, Map.copyOf(fields)));
    }

    public List<String> eventNames() {
        return events.stream().map(Event::name).toList();
    }
}

package io.predictor.admin.testing;

import io.predictor.admin.state.ChangeRecord;
import io.predictor.admin.state.StateStore;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A store that keeps records in memory, and can be told to fail, for service tests. */
public final class MemoryStateStore implements StateStore {

    public final List<ChangeRecord> records = new CopyOnWriteArrayList<>();
    public volatile boolean failNext;

    @Override
    public Recovered load() {
        return new Recovered(records, records.isEmpty() ? 0 : records.get(records.size() - 1).revision());
    }

    @Override
    public void append(ChangeRecord change) throws IOException {
        if (failNext) {
            failNext = false;
            throw new IOException("disk full (simulated)");
        }
        records.add(change);
    }

    @Override
    public void close() {
    }
}

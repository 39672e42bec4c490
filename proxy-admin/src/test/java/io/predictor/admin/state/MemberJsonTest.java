package io.predictor.admin.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.predictor.core.server.InflightCount;
import java.time.Instant;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MemberJsonTest {

    @Test
    void aMemberReportSurvivesItsKeyValue() {
        TreeMap<Long, InflightCount> pending = new TreeMap<>();
        pending.put(41L, new InflightCount(0, 2));
        pending.put(40L, new InflightCount(1, 0));
        TreeMap<Long, Integer> closed = new TreeMap<>();
        closed.put(39L, 3);
        MemberReport r = new MemberReport(42, pending, closed);
        Instant t = Instant.parse("2026-01-02T03:04:05.678Z");
        String json = MemberJson.write("dc2-01", r, t, false);
        assertThat(json).isEqualTo("{\"instance\":\"dc2-01\",\"revision\":42,\"time\":\"2026-01-02T03:04:05.678Z\","
                + "\"pending\":\"40=1/0 41=0/2\",\"closed\":\"39=3\"}");
        Fleet.Member m = MemberJson.read(json);
        assertThat(m.instance()).isEqualTo("dc2-01");
        assertThat(m.report()).isEqualTo(r);
        assertThat(m.updated()).isEqualTo(t);
        assertThat(r.drained(41)).isFalse();
        assertThat(r.drained(42)).isTrue();
        assertThat(r.drained(43)).as("not applied yet").isFalse();
        assertThat(m.live()).isTrue();
        assertThat(m.diverged()).isFalse();
        assertThat(MemberJson.read(MemberJson.write("x", MemberReport.at(0), t, false)).report()).isEqualTo(MemberReport.at(0));
        Fleet.Member diverged = MemberJson.read(MemberJson.write("x", MemberReport.at(7), t, true));
        assertThat(diverged.diverged()).isTrue();
        assertThat(diverged.drained(7)).as("a diverged member is never drained").isFalse();
    }
}

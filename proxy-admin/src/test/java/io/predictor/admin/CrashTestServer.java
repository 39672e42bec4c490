package io.predictor.admin;

import io.predictor.admin.log.JsonLinesLog;
import io.predictor.admin.testing.TestConfigs;
import io.predictor.core.routing.Router;
import io.predictor.core.routing.RoutingSnapshot;
import io.predictor.core.routing.SiteState;
import io.predictor.core.routing.SiteTable;
import io.predictor.core.routing.SitesFileParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;

/**
 * The control plane as a process of its own, for {@link ControlPlaneCrashTest} to kill -9:
 * {@code STATE_DIR SITES_FILE TOKENS_FILE PORT_FILE SEGMENT_RECORDS}. Writes the admin port to
 * PORT_FILE once serving, then runs until killed.
 */
public final class CrashTestServer {

    private CrashTestServer() {
    }

    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        Path sites = Path.of(args[1]);
        Path tokens = Path.of(args[2]);
        Path portFile = Path.of(args[3]);
        int segmentRecords = Integer.parseInt(args[4]);
        SiteTable base = SitesFileParser.parse(sites).table();
        Router router = new Router(RoutingSnapshot.of(base, 0, SiteState.LEGACY));
        JsonLinesLog log = JsonLinesLog.stdout();
        ControlPlane plane = ControlPlane.start(TestConfigs.controlPlane("127.0.0.1", tokens, sites, stateDir),
                router, base, () -> true,
                new ControlPlane.Options(log, log, Clock.systemUTC(), segmentRecords, group -> 0));
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(plane.adminPort()));
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }
}

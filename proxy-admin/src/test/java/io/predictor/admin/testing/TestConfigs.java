package io.predictor.admin.testing;

import io.predictor.admin.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Builds the parts of a {@link Config} the control plane reads; the rest is left empty. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /**
     * @param bindHost admin bind host; the port is 0 (any free port)
     * @param tokens   tokens file, or null
     */
    public static Config controlPlane(String bindHost, Path tokens, Path sitesFile, Path stateDir) {
        return new Config(null, "test", List.of(), new Config.Admin(new Config.HostPort(bindHost, 0), tokens),
                Map.of(), new Config.Routing(sitesFile, "legacy", null),
                new Config.State(Config.StoreKind.FILE, stateDir, null), null, null, null);
    }

    /** A fleet member: {@code state.store: etcd} with its own local copy in {@code stateDir}. */
    public static Config fleetMember(String instance, Path tokens, Path sitesFile, Path stateDir, String endpoint,
            String prefix) {
        return new Config(null, instance, List.of(), new Config.Admin(new Config.HostPort("127.0.0.1", 0), tokens),
                Map.of(), new Config.Routing(sitesFile, "legacy", null),
                new Config.State(Config.StoreKind.ETCD, stateDir, new Config.Etcd(List.of(endpoint), prefix)),
                null, null, null);
    }
}

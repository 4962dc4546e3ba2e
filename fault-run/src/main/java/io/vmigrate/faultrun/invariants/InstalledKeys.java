package io.vmigrate.faultrun.invariants;

import io.vmigrate.faultrun.RunLayout;
import io.vmigrate.securezone.InstalledVmKey;
import io.vmigrate.securezone.VtcmStore;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The VM keys installed in each host's secure zone, from its sealed state with the run's sealing password:
 * metadata only, no key unsealed.
 */
public final class InstalledKeys {

    private InstalledKeys() {}

    public static PerHost<InstalledVmKey> read(RunLayout layout) {
        Map<String, List<InstalledVmKey>> byHost = new TreeMap<>();
        Map<String, String> unreadable = new TreeMap<>();
        var secrets = layout.secrets();
        for (String host : layout.hostIds()) {
            char[] password = secrets.sealingPassword(host);
            try {
                byHost.put(host, VtcmStore.listInstalled(layout.secureZoneStateDir(host), password));
            } catch (IOException | RuntimeException e) {
                unreadable.put(host, e.getMessage());
            } finally {
                Arrays.fill(password, '\0');
            }
        }
        return new PerHost<>(byHost, unreadable);
    }
}

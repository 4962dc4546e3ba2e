package io.vmigrate.faultrun.invariants;

import io.vmigrate.cli.datadir.StatusUrlFile;
import io.vmigrate.faultrun.InjectedDuplicate;
import io.vmigrate.faultrun.InjectedFault;
import io.vmigrate.faultrun.RequestedMigration;
import io.vmigrate.faultrun.RunLayout;
import io.vmigrate.forensics.CenterBindings;
import io.vmigrate.forensics.CenterKeyOption;
import io.vmigrate.forensics.ReplayEngine;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The invariants of a run, checked from the real state at its end (issue 9): the cluster's topics, each host's
 * hypervisor on disk and each secure zone's sealed state, never the run's own bookkeeping. Call it once the run
 * is quiet (no migration in flight, every component up), so the topics and the disks tell the same moment.
 */
public final class InvariantChecks {

    private InvariantChecks() {}

    /**
     * As {@link #check(RunLayout, Map, List, List, List, Duration, Optional)}, comparing the replay's bindings with the
     * center whose status API the layout's {@code status.url} names, if it answers (as {@code vmigrate replay}
     * does), else with {@code vm.inventory}.
     */
    public static InvariantReport check(RunLayout layout, Map<String, Object> kafkaClient, List<RequestedMigration> requested,
            List<InjectedDuplicate> duplicates, List<InjectedFault> faults, Duration grace) throws IOException {
        return check(layout, kafkaClient, requested, duplicates, faults, grace,
                StatusUrlFile.read(layout.dataDir()).filter(CenterBindings::answers));
    }

    /**
     * Checks every invariant but {@link Invariant#NO_PLAINTEXT_PRIVATE_KEY} (see below).
     *
     * @param kafkaClient a client that may read every topic (the cluster's super user)
     * @param requested every migration the run asked for
     * @param duplicates the exact copies of records the run produced on purpose
     * @param faults the faults the run injected (a committed migration may end as late as they kept its source down)
     * @param grace how long after its deadline a migration may still end
     * @param centerStatusUrl the live center to compare the replay's bindings with; empty: {@code vm.inventory}
     */
    public static InvariantReport check(RunLayout layout, Map<String, Object> kafkaClient, List<RequestedMigration> requested,
            List<InjectedDuplicate> duplicates, List<InjectedFault> faults, Duration grace, Optional<URI> centerStatusUrl)
            throws IOException {
        ClusterSnapshot cluster = ClusterSnapshot.read(kafkaClient, CenterKeyOption.resolve(null, layout.dataDir()),
                centerStatusUrl, ReplayEngine.DEFAULT_CLOCK_SKEW);
        Map<String, InventoryRecord> bindings = InventoryRecord.current(cluster.inventory());
        List<InvariantResult> results = new ArrayList<>();
        results.add(VmOnExactlyOneHostCheck.check(VmsOnDisk.read(layout), bindings));
        results.add(EveryMigrationEndedCheck.check(requested, cluster.audit(), cluster.rejections(), faults, grace));
        results.add(AbortKeptBindingCheck.check(cluster.audit(), cluster.inventory()));
        results.add(EpochsGrewCheck.check(cluster.inventory(), duplicates));
        results.add(KeyOnlyOnBindingHostCheck.check(InstalledKeys.read(layout), bindings));
        results.add(PlaintextKeyScan.scan(layout, kafkaClient, RunKeys.read(layout)));
        results.add(ReplayCleanCheck.check(cluster.replay(), duplicates));
        return InvariantReport.of(results);
    }
}

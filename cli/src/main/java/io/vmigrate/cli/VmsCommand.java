package io.vmigrate.cli;

import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.topic.Topics;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists every registered VM with its binding, as the center published it on {@code vm.inventory}. */
@Command(name = "vms", mixinStandardHelpOptions = true, description = "List every VM with its host, binding epoch and key fingerprint.")
final class VmsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private ClusterOptions cluster;

    @Override
    public Integer call() {
        Map<String, VmInventoryEntry> vms = new Operator(cluster.readOnlyClientProperties(), Topics.withDefaultWireFormat(),
                Clock.systemUTC()).bindings();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-16s %-12s %6s  %-32s  %s%n", "VM", "HOST", "EPOCH", "KEY FINGERPRINT", "UPDATED");
        for (VmInventoryEntry entry : vms.values()) {
            var binding = entry.getBinding();
            out.printf("%-16s %-12s %6d  %-32s  %s%n", binding.getVmId(), binding.getHostId(), binding.getEpoch(),
                    binding.getKeyFingerprint(), entry.getUpdatedAt());
        }
        out.printf("%d VM(s)%n", vms.size());
        out.flush();
        return 0;
    }
}

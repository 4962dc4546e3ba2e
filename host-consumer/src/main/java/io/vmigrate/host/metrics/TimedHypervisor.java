package io.vmigrate.host.metrics;

import io.vmigrate.host.hypervisor.HypervisorException;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.host.hypervisor.VmDigests;
import io.vmigrate.host.hypervisor.VmInfo;
import io.vmigrate.host.hypervisor.VmState;
import io.vmigrate.schema.common.RefusalReason;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/** Times every hypervisor operation; one that cannot succeed counts as a HYPERVISOR_FAILURE refusal. */
public final class TimedHypervisor implements HypervisorPort {

    private final HypervisorPort delegate;
    private final AgentMetrics metrics;

    public TimedHypervisor(HypervisorPort delegate, AgentMetrics metrics) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @FunctionalInterface
    private interface Operation<T> {
        T run() throws HypervisorException, IOException;
    }

    private <T> T timed(String name, Operation<T> operation) throws HypervisorException, IOException {
        long start = System.nanoTime();
        String result = "error";
        try {
            T value = operation.run();
            result = "ok";
            return value;
        } catch (HypervisorException e) {
            result = "failed";
            metrics.refusal("hypervisor", RefusalReason.HYPERVISOR_FAILURE);
            throw e;
        } finally {
            metrics.hypervisorCall(name, result, System.nanoTime() - start);
        }
    }

    @Override
    public void recover() throws IOException {
        delegate.recover();
    }

    @Override
    public void defineVm(String vmId, String name, byte[] image) throws HypervisorException, IOException {
        timed("define-vm", () -> {
            delegate.defineVm(vmId, name, image);
            return null;
        });
    }

    @Override
    public void createTarget(String migrationId, String vmId) throws HypervisorException, IOException {
        timed("create-target", () -> {
            delegate.createTarget(migrationId, vmId);
            return null;
        });
    }

    @Override
    public void migrateOut(String migrationId, String vmId, String destinationHostId) throws HypervisorException, IOException {
        timed("migrate-out", () -> {
            delegate.migrateOut(migrationId, vmId, destinationHostId);
            return null;
        });
    }

    @Override
    public VmDigests describe(String vmId) throws HypervisorException, IOException {
        return timed("describe", () -> delegate.describe(vmId));
    }

    @Override
    public VmDigests describeReceived(String migrationId, String vmId) throws HypervisorException, IOException {
        return timed("describe-received", () -> delegate.describeReceived(migrationId, vmId));
    }

    @Override
    public void resume(String migrationId, String vmId) throws HypervisorException, IOException {
        timed("resume", () -> {
            delegate.resume(migrationId, vmId);
            return null;
        });
    }

    @Override
    public void deregister(String vmId) throws HypervisorException, IOException {
        timed("deregister", () -> {
            delegate.deregister(vmId);
            return null;
        });
    }

    @Override
    public void destroyTarget(String migrationId, String vmId) throws HypervisorException, IOException {
        timed("destroy-target", () -> {
            delegate.destroyTarget(migrationId, vmId);
            return null;
        });
    }

    @Override
    public List<VmInfo> list() throws IOException {
        // list() cannot fail with HypervisorException; time it all the same.
        long start = System.nanoTime();
        String result = "error";
        try {
            List<VmInfo> vms = delegate.list();
            result = "ok";
            return vms;
        } finally {
            metrics.hypervisorCall("list", result, System.nanoTime() - start);
        }
    }

    @Override
    public VmState state(String vmId) throws HypervisorException, IOException {
        return timed("state", () -> delegate.state(vmId));
    }
}

package io.vmigrate.host.metrics;

import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/** Times every secure-zone request and counts its refusals by reason; otherwise passes everything through. */
public final class TimedSecureZonePort implements SecureZonePort {

    private final SecureZonePort delegate;
    private final AgentMetrics metrics;

    public TimedSecureZonePort(SecureZonePort delegate, AgentMetrics metrics) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @FunctionalInterface
    private interface Call {
        SecureZoneResponse run() throws IOException;
    }

    private SecureZoneResponse timed(String operation, Call call) throws IOException {
        long start = System.nanoTime();
        String outcome = "UNREACHABLE";
        try {
            SecureZoneResponse response = call.run();
            outcome = response.getOutcome() == null ? "UNKNOWN" : response.getOutcome().name();
            if (response.getOutcome() == SecureZoneOutcome.REFUSED) {
                metrics.refusal("secure-zone", response.getReason() == null ? RefusalReason.INTERNAL_ERROR : response.getReason());
            }
            return response;
        } finally {
            metrics.secureZoneCall(operation, outcome, System.nanoTime() - start);
        }
    }

    @Override
    public SecureZoneResponse provision(PublicKeyRecord agentKey, List<PublicKeyRecord> centerKeys) throws IOException {
        return timed("provision", () -> delegate.provision(agentKey, centerKeys));
    }

    @Override
    public SecureZoneResponse identity() throws IOException {
        return timed("identity", delegate::identity);
    }

    @Override
    public SecureZoneResponse openCommand(byte[] envelope) throws IOException {
        return timed("open-command", () -> delegate.openCommand(envelope));
    }

    @Override
    public SecureZoneResponse installVmKey(byte[] envelope) throws IOException {
        return timed("install-vm-key", () -> delegate.installVmKey(envelope));
    }

    @Override
    public SecureZoneResponse attestVm(String migrationId, String vmId, byte[] descriptionDigest,
            byte[] imageManifestDigest) throws IOException {
        return timed("attest-vm", () -> delegate.attestVm(migrationId, vmId, descriptionDigest, imageManifestDigest));
    }

    @Override
    public SecureZoneResponse checkAttestation(byte[] envelope, byte[] receivedDescriptionDigest,
            byte[] receivedImageManifestDigest) throws IOException {
        return timed("check-attestation",
                () -> delegate.checkAttestation(envelope, receivedDescriptionDigest, receivedImageManifestDigest));
    }

    @Override
    public SecureZoneResponse reportCompletion(String migrationId, String vmId) throws IOException {
        return timed("report-completion", () -> delegate.reportCompletion(migrationId, vmId));
    }

    @Override
    public SecureZoneResponse deregister(byte[] envelope) throws IOException {
        return timed("deregister", () -> delegate.deregister(envelope));
    }

    @Override
    public SecureZoneResponse verifyAbort(byte[] envelope) throws IOException {
        return timed("verify-abort", () -> delegate.verifyAbort(envelope));
    }

    @Override
    public SecureZoneResponse abort(byte[] envelope, boolean targetVmDestroyed) throws IOException {
        return timed("abort", () -> delegate.abort(envelope, targetVmDestroyed));
    }

    @Override
    public SecureZoneResponse signReply(MessageType type, byte[] body, long bindingEpoch) throws IOException {
        return timed("sign-reply", () -> delegate.signReply(type, body, bindingEpoch));
    }

    @Override
    public void close() {
        delegate.close();
    }
}

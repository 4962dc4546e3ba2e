package io.vmigrate.center;

import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.registry.ProvisioningStatement;
import io.vmigrate.schema.registry.ProvisioningStatementVerifier;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The third way a host becomes trusted, beside an operator's approval and the allow-list: its
 * enrollment presents a statement of a provisioning CA the center is configured with (as Keylime
 * checks a TPM's endorsement certificate), for exactly its host id and its secure-zone signing key,
 * unexpired. A statement that does not verify approves nothing: the host stays pending and the
 * refusal is alerted with its reason.
 */
final class ProvisioningApproval {

    private static final Logger LOG = LoggerFactory.getLogger(ProvisioningApproval.class);

    private final ProvisioningStatementVerifier verifier;
    private final CenterOutputs outputs;

    ProvisioningApproval(CenterServices services, CenterOutputs outputs) {
        this.verifier = new ProvisioningStatementVerifier(services.access().provisioningCas(), services.clock(),
                services.settings().allowedClockSkew());
        this.outputs = outputs;
    }

    /** Who vouches for this (proven) enrollment with zone key {@code fingerprint}, or empty: it stays pending. */
    Optional<String> vouchedFor(HostEnrollmentRequested request, String fingerprint) {
        ProvisioningStatement statement = request.getProvisioningStatement();
        if (statement == null) {
            return Optional.empty();
        }
        try {
            TrustAnchors.Anchor ca = verifier.verify(statement, request.getHostId(), fingerprint);
            return Optional.of("provisioning CA " + ca.name() + " (" + ca.keyId() + ")");
        } catch (EnvelopeRefusedException e) {
            String detail = "host " + request.getHostId() + " stays pending: " + e.getMessage();
            LOG.warn("enrollment at {}: {} ({})", outputs.coordinates(), detail, e.reason());
            outputs.alert(e.reason(), detail, request.getHostId(), null, null, null);
            return Optional.empty();
        }
    }
}

package io.vmigrate.securezone.client;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import java.io.IOException;
import java.util.List;

/**
 * What the host agent asks of its secure zone: the one host-to-zone interface. {@link SecureZoneClient}
 * implements it over the zone's Unix domain socket; decorators (metrics, a test's tampering user zone)
 * wrap it. Every answer is a {@link SecureZoneResponse} (OK,
 * DUPLICATE with the reply produced the first time, or REFUSED with a reason). A command the zone
 * verified but will not carry out is REFUSED with a signed refusal to publish; a command the zone did
 * not admit (does not decode, too large, unknown signer, bad signature, expired, another host's, wrong
 * type) is REFUSED without one, since nothing it claims is verified. {@link IOException} means the secure zone could not be reached or the
 * session broke: nothing can be concluded and the caller tries again later.
 */
public interface SecureZonePort extends AutoCloseable {

    SecureZoneResponse provision(PublicKeyRecord agentKey, List<PublicKeyRecord> centerKeys) throws IOException;

    SecureZoneResponse identity() throws IOException;

    /** Verifies MIGRATE_OUT or CREATE_TARGET_VM before the agent acts on it. */
    SecureZoneResponse openCommand(byte[] envelope) throws IOException;

    SecureZoneResponse installVmKey(byte[] envelope) throws IOException;

    SecureZoneResponse attestVm(String migrationId, String vmId, byte[] descriptionDigest, byte[] imageManifestDigest)
            throws IOException;

    SecureZoneResponse checkAttestation(byte[] envelope, byte[] receivedDescriptionDigest,
            byte[] receivedImageManifestDigest) throws IOException;

    SecureZoneResponse reportCompletion(String migrationId, String vmId) throws IOException;

    SecureZoneResponse deregister(byte[] envelope) throws IOException;

    /**
     * Verifies an ABORT_MIGRATION and answers what it asks ({@code VerifiedCommand.abortRole},
     * {@code destroyTarget}) without acting on it, so the agent destroys the target before {@link #abort}.
     */
    SecureZoneResponse verifyAbort(byte[] envelope) throws IOException;

    /** Carries out a verified ABORT_MIGRATION (zeroizes the migration's VM key) and signs the acknowledgement. */
    SecureZoneResponse abort(byte[] envelope, boolean targetVmDestroyed) throws IOException;

    /** Signs TARGET_VM_CREATED (for a verified CREATE_TARGET_VM) or COMMAND_REFUSED. */
    SecureZoneResponse signReply(MessageType type, byte[] body, long bindingEpoch) throws IOException;

    @Override
    void close();
}

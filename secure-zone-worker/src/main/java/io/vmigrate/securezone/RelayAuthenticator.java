package io.vmigrate.securezone;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.securezone.protocol.RelaySigningInput;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.MalformedBlobException;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import io.vmigrate.trust.Verifier;
import java.util.Optional;

/**
 * Authenticates relayed requests. Before provisioning only PROVISION and GET_IDENTITY are served, signed
 * or not; afterwards every request must carry the pinned agent key's signature over the connection's
 * challenge, the request's sequence and the operation's digest ({@link RelaySigningInput}).
 */
final class RelayAuthenticator {

    private final String hostId;
    private final CryptoSuite crypto;
    private final PinnedKeys pinned;

    RelayAuthenticator(String hostId, CryptoSuite crypto, PinnedKeys pinned) {
        this.hostId = hostId;
        this.crypto = crypto;
        this.pinned = pinned;
    }

    void authenticate(RelayedRequest request) throws ZoneRefusal {
        Optional<Verifier> agent = pinned.agent();
        if (agent.isPresent()) {
            verify(agent.get(), request);
        } else if (request.type() != SecureZoneOperationType.PROVISION
                && request.type() != SecureZoneOperationType.GET_IDENTITY) {
            throw new ZoneRefusal(RefusalReason.AGENT_NOT_AUTHENTICATED,
                    "not provisioned: only PROVISION and GET_IDENTITY are served");
        }
    }

    /** Checks the request is signed by {@code verifier}'s key for this session and sequence. */
    void verify(Verifier verifier, RelayedRequest request) throws ZoneRefusal {
        if (!request.signed()) {
            throw new ZoneRefusal(RefusalReason.AGENT_NOT_AUTHENTICATED, "request is not signed by the agent key");
        }
        try {
            verifier.verify(SignatureBlob.parse(request.signature()),
                    RelaySigningInput.of(request.challenge(), request.sequence(), request.operation(), crypto.digest()),
                    RelaySigningInput.context(hostId));
        } catch (MalformedBlobException | SignatureRefusedException e) {
            throw new ZoneRefusal(RefusalReason.AGENT_NOT_AUTHENTICATED,
                    "agent signature does not verify under agent key " + verifier.keyId() + " for this session and sequence");
        }
    }
}

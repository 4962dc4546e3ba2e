package io.vmigrate.securezone;

import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Verifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The agent key and center keys pinned at provisioning, as verifiers. Empty until the zone is
 * provisioned; pins never change afterwards, so they are learned once.
 */
final class PinnedKeys {

    private final CryptoSuite crypto;
    private Verifier agent;
    private Map<String, Verifier> centers = Map.of();

    PinnedKeys(CryptoSuite crypto) {
        this.crypto = crypto;
    }

    /** Takes the state's pins, if it has some and none were learned yet. */
    void learn(ZoneState state) {
        Optional<Pins> pins = state.pins();
        if (pins.isEmpty() || agent != null) {
            return;
        }
        Map<String, Verifier> verifiers = new HashMap<>();
        for (PublicKeyHandle center : pins.get().centerKeys()) {
            verifiers.put(center.keyId().toString(), crypto.verifier(center));
        }
        centers = Map.copyOf(verifiers);
        agent = crypto.verifier(pins.get().agentKey());
    }

    boolean provisioned() {
        return agent != null;
    }

    /** The pinned agent key's verifier, if provisioned. */
    Optional<Verifier> agent() {
        return Optional.ofNullable(agent);
    }

    /** The pinned center key of that id, if any. */
    Optional<Verifier> center(String keyId) {
        return Optional.ofNullable(centers.get(keyId));
    }
}

package io.vmigrate.securezone;

import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.securezone.Provision;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PublicKeyHandle;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PROVISION: pins the agent key and the center keys, once. Asking again with the same keys answers
 * the identity again; other keys are refused. A signed first PROVISION proves the agent holds the
 * key it asks to pin.
 */
final class ProvisionHandler implements OperationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProvisionHandler.class);

    private final String hostId;
    private final CryptoSuite crypto;
    private final ZoneStore store;
    private final PinnedKeys pinned;
    private final RelayAuthenticator authenticator;
    private final ZoneIdentity identity;

    ProvisionHandler(String hostId, CryptoSuite crypto, ZoneStore store, PinnedKeys pinned, RelayAuthenticator authenticator,
            ZoneIdentity identity) {
        this.hostId = hostId;
        this.crypto = crypto;
        this.store = store;
        this.pinned = pinned;
        this.authenticator = authenticator;
        this.identity = identity;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws ZoneRefusal, IOException {
        Provision provision = (Provision) operation;
        PublicKeyHandle agentKey = pinnableKey(provision.getAgentKey(), "agent key");
        Map<String, PublicKeyHandle> centerKeys = new LinkedHashMap<>();
        for (PublicKeyRecord record : provision.getCenterKeys()) {
            PublicKeyHandle key = pinnableKey(record, "center key");
            centerKeys.put(key.keyId().toString(), key);
        }
        if (centerKeys.isEmpty()) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, "PROVISION names no center key");
        }
        Optional<Pins> existing = store.current().pins();
        if (existing.isPresent()) {
            Set<String> pinnedCenterIds = existing.get().centerKeys().stream().map(k -> k.keyId().toString())
                    .collect(Collectors.toSet());
            if (existing.get().agentKey().equals(agentKey) && pinnedCenterIds.equals(centerKeys.keySet())) {
                return identified(request);
            }
            throw new ZoneRefusal(RefusalReason.AGENT_NOT_AUTHENTICATED, "already provisioned with other keys");
        }
        if (request.signed()) {
            authenticator.verify(crypto.verifier(agentKey), request);
        }
        Transition tx = store.begin();
        tx.pin(new Pins(agentKey, List.copyOf(centerKeys.values())));
        store.commit(tx);
        pinned.learn(store.current());
        LOG.info("host {}: provisioned; pinned agent key {} and center key(s) {}", hostId, agentKey.keyId(), centerKeys.keySet());
        return identified(request);
    }

    private SecureZoneResponse identified(RelayedRequest request) {
        return ZoneResponses.ok(request.sequence()).setIdentity(identity.describe(store.current())).build();
    }

    private PublicKeyHandle pinnableKey(PublicKeyRecord record, String what) throws ZoneRefusal {
        PublicKeyHandle key;
        try {
            key = PublicKeyRecords.fromRecord(record);
        } catch (IllegalArgumentException e) {
            throw new ZoneRefusal(RefusalReason.MALFORMED, what + " is not a valid public key: " + e.getMessage());
        }
        if (key.suite() != crypto.suite() || key.purpose() != KeyPurpose.SIGNING) {
            throw new ZoneRefusal(RefusalReason.MALFORMED,
                    what + " " + key.keyId() + " is a " + key.suite() + " " + key.purpose() + " key, need " + crypto.suite() + " SIGNING");
        }
        return key;
    }
}

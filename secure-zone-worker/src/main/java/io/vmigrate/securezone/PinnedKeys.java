package io.vmigrate.securezone;

import io.vmigrate.securezone.ZoneState.AcceptedRotation;
import io.vmigrate.securezone.ZoneState.Pins;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Verifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The agent key pinned at provisioning and the center keys: those pinned at provisioning plus those
 * accepted from rotation statements, each with its validity (a provisioned key is valid from the
 * start, an announced one from its statement's {@code validFrom}; a key is valid until the statement
 * that retires it says, plus the allowed clock skew). Empty until the zone is provisioned; the agent
 * pin never changes afterwards, the center keys are relearned after every accepted rotation.
 */
final class PinnedKeys {

    /** A center key and the instants it signs between (inclusive). */
    private record CenterKey(Verifier verifier, Instant from, Instant until) {}

    private final CryptoSuite crypto;
    private final Clock clock;
    private final Duration skew;
    private Verifier agent;
    private Map<String, CenterKey> centers = Map.of();
    private String newestCenterKeyId;
    private long lastRotation;

    PinnedKeys(CryptoSuite crypto, Clock clock, Duration skew) {
        this.crypto = crypto;
        this.clock = clock;
        this.skew = skew;
    }

    /** Takes the state's pins and accepted rotations. */
    void learn(ZoneState state) {
        Optional<Pins> pins = state.pins();
        if (pins.isEmpty()) {
            return;
        }
        Map<String, CenterKey> keys = new HashMap<>();
        String newest = null;
        for (PublicKeyHandle center : pins.get().centerKeys()) {
            keys.put(center.keyId().toString(), new CenterKey(crypto.verifier(center), Instant.MIN, Instant.MAX));
            newest = center.keyId().toString();
        }
        long sequence = 0;
        for (AcceptedRotation rotation : state.rotations()) {
            CenterKey retired = keys.get(rotation.oldKeyId());
            if (retired != null) {
                keys.put(rotation.oldKeyId(), new CenterKey(retired.verifier(), retired.from(),
                        Instant.ofEpochMilli(rotation.oldKeyValidUntilMillis())));
            }
            String id = rotation.newKey().keyId().toString();
            keys.put(id, new CenterKey(crypto.verifier(rotation.newKey()), Instant.ofEpochMilli(rotation.validFromMillis()),
                    Instant.MAX));
            newest = id;
            sequence = rotation.sequence();
        }
        centers = Map.copyOf(keys);
        newestCenterKeyId = newest;
        lastRotation = sequence;
        if (agent == null) {
            agent = crypto.verifier(pins.get().agentKey());
        }
    }

    boolean provisioned() {
        return agent != null;
    }

    /** The pinned agent key's verifier, if provisioned. */
    Optional<Verifier> agent() {
        return Optional.ofNullable(agent);
    }

    /** The center key of that id, if it is pinned or announced and valid now (within the allowed skew). */
    Optional<Verifier> center(String keyId) {
        CenterKey key = centers.get(keyId);
        if (key == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        boolean started = key.from().equals(Instant.MIN) || !now.plus(skew).isBefore(key.from());
        boolean ended = !key.until().equals(Instant.MAX) && now.minus(skew).isAfter(key.until());
        return started && !ended ? Optional.of(key.verifier()) : Optional.empty();
    }

    /** Whether a center key of that id was ever pinned or announced, valid or not. */
    boolean knowsCenterKey(String keyId) {
        return centers.containsKey(keyId);
    }

    /** The most recently announced center key (or the last provisioned one): only it may announce the next. */
    Optional<String> newestCenterKeyId() {
        return Optional.ofNullable(newestCenterKeyId);
    }

    /** The sequence of the last accepted rotation, 0 if none. */
    long lastRotation() {
        return lastRotation;
    }
}

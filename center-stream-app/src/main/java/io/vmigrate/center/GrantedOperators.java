package io.vmigrate.center;

import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.operator.KnownOperator;
import io.vmigrate.schema.operator.OperatorGrantVerifier;
import io.vmigrate.schema.operator.OperatorKeys;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.request.OperatorGrant;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The operators a gate trusts: those of the operators file, then those an admin key granted (the
 * global {@code operator-registry} store, verified on the way in), while their grant is in force at
 * the time the request is opened. A revoked or expired grant names nobody.
 */
final class GrantedOperators implements OperatorKeys {

    private final OperatorKeys configured;
    private final ReadOnlyKeyValueStore<String, OperatorGrant> granted;
    private final OperatorGrantVerifier verifier;
    private final Clock clock;

    private GrantedOperators(OperatorKeys configured, ReadOnlyKeyValueStore<String, OperatorGrant> granted,
            OperatorGrantVerifier verifier, Clock clock) {
        this.configured = configured;
        this.granted = granted;
        this.verifier = verifier;
        this.clock = clock;
    }

    /** The operators known to a component beside the topology, reading the grants from the queried global store. */
    static OperatorKeys of(CenterAccess access, ReadOnlyKeyValueStore<String, OperatorGrant> granted,
            Duration allowedClockSkew, Clock clock) {
        return new GrantedOperators(access.operators(), granted, new OperatorGrantVerifier(access.adminKeys(), allowedClockSkew),
                clock);
    }

    /** The operators known to a processor of the center. */
    static OperatorKeys of(ProcessorContext<?, ?> context, CenterServices services) {
        return new GrantedOperators(services.access().operators(),
                context.getStateStore(OperatorGrantTopology.OPERATOR_REGISTRY_STORE),
                new OperatorGrantVerifier(services.access().adminKeys(), services.settings().allowedClockSkew()),
                services.clock());
    }

    @Override
    public Optional<KnownOperator> byKeyId(String keyId) {
        Optional<KnownOperator> known = configured.byKeyId(keyId);
        if (known.isPresent() || keyId == null) {
            return known;
        }
        OperatorGrant grant = granted.get(keyId);
        if (grant == null || !verifier.inForce(grant, clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(new KnownOperator(grant.getOperatorName(), OperatorRole.parse(grant.getRole()),
                PublicKeyRecords.fromRecord(grant.getOperatorKey())));
    }
}

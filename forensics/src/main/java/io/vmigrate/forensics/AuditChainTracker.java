package io.vmigrate.forensics;

import io.vmigrate.schema.keys.WireEnums;
import io.vmigrate.schema.common.WireSuite;
import io.vmigrate.schema.audit.AuditSigningInput;
import io.vmigrate.schema.audit.AuditChain;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Digest;
import io.vmigrate.trust.Verifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Checks audit records one at a time, as they are read: the center signature (via
 * {@link AuditChain#verifySignature}) and, per migration, a sequence contiguous from 0 and a
 * previousHash equal to {@link AuditSigningInput#chainHash} of the predecessor. Holds one link per migration.
 */
public final class AuditChainTracker {

    /** One broken rule in one record. */
    public record Finding(Rule rule, String detail) {}

    private record Link(long nextSequence, byte[] hash) {}

    private final BiFunction<String, Instant, Optional<Verifier>> centerKeys;
    private final Map<String, Link> links = new HashMap<>();
    private final boolean anchorOnFirst;

    /** {@code centerKeys}: the center key with a given id valid at a given instant. */
    public AuditChainTracker(BiFunction<String, Instant, Optional<Verifier>> centerKeys) {
        this(centerKeys, false);
    }

    /**
     * With {@code anchorOnFirst}, the first record seen of a migration is taken as the start of its
     * chain (for a tail that starts mid-log); otherwise chains must start at sequence 0.
     */
    public AuditChainTracker(BiFunction<String, Instant, Optional<Verifier>> centerKeys, boolean anchorOnFirst) {
        this.centerKeys = centerKeys;
        this.anchorOnFirst = anchorOnFirst;
    }

    private static Digest digestOf(WireSuite suite) {
        return CryptoSuites.get(WireEnums.fromWire(suite)).digest();
    }

    /** Checks {@code record} against what came before it in its migration; empty when it is sound. */
    public List<Finding> accept(AuditRecord record) {
        List<Finding> findings = new ArrayList<>(1);
        String migrationId = record.getMigrationId();
        Optional<Verifier> center = centerKeys.apply(record.getSignerKeyId(), record.getRecordedAt());
        if (center.isEmpty()) {
            findings.add(new Finding(Rule.UNKNOWN_SIGNER, "audit record " + record.getSequence() + " is signed by "
                    + record.getSignerKeyId() + ", not a center key"));
        } else {
            try {
                AuditChain.verifySignature(record, center.get(), "audit record " + record.getSequence());
            } catch (AuditChain.BrokenChainException e) {
                findings.add(new Finding(Rule.SIGNATURE_INVALID, e.getMessage()));
            }
        }
        Link link = links.get(migrationId);
        if (link == null && anchorOnFirst) {
            links.put(migrationId, new Link(record.getSequence() + 1, AuditSigningInput.chainHash(record, digestOf(record.getSuite()))));
            return findings;
        }
        long expected = link == null ? 0 : link.nextSequence();
        byte[] expectedHash = link == null ? new byte[0] : link.hash();
        long sequence = record.getSequence();
        if (sequence < expected) {
            findings.add(new Finding(Rule.AUDIT_OUT_OF_ORDER, "audit sequence " + sequence + " after "
                    + (expected - 1) + " was already seen"));
            return findings;
        }
        if (sequence > expected) {
            findings.add(new Finding(Rule.AUDIT_GAP, "audit sequence " + sequence + " where " + expected
                    + " was expected: " + (sequence - expected) + " record(s) missing"));
        } else if (!Arrays.equals(expectedHash, ByteBuffers.toArray(record.getPreviousHash()))) {
            findings.add(new Finding(Rule.AUDIT_CHAIN_BROKEN, "audit record " + sequence
                    + " does not link to its predecessor (previousHash differs)"));
        }
        links.put(migrationId, new Link(sequence + 1, AuditSigningInput.chainHash(record, digestOf(record.getSuite()))));
        return findings;
    }
}

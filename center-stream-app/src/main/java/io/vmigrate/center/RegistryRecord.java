package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntry;
import java.util.Objects;

/**
 * What one {@code trust.registry} value turned out to be. Anyone who can write to the topic can put
 * anything there, so its readers get this instead of an exception: a decoded entry (not yet
 * verified), a tombstone, or bytes that do not decode, with the reason.
 */
sealed interface RegistryRecord permits RegistryRecord.Decoded, RegistryRecord.Tombstone, RegistryRecord.Undecodable {

    /** Well-formed bytes; nothing about who signed it is known yet. */
    record Decoded(TrustRegistryEntry entry) implements RegistryRecord {
        public Decoded {
            Objects.requireNonNull(entry, "entry");
        }
    }

    /** A null value. */
    record Tombstone() implements RegistryRecord {
    }

    /** Bytes that are not a registry entry: too large, truncated, another schema, garbage. */
    record Undecodable(String reason) implements RegistryRecord {
        public Undecodable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}

package io.vmigrate.center;

import io.vmigrate.schema.registry.CenterKey;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.KeyId;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The center's signing keys in the order they were used: the first (the key secure zones pin at
 * provisioning) and each successor with the {@link CenterKeyRotation} statement that announced it.
 * The newest signs; {@link #signer()} always signs with the newest, so every component holding it
 * switches at once. Thread-safe: Kafka Streams threads sign while an operator rotates.
 */
final class CenterKeyRing {

    /**
     * One key, its signer and the statement that introduced it (none for the first). The signer is made once per
     * key: making one initialises a signature (for SM2 a scalar multiplication), which costs more than signing.
     */
    record Link(PrivateKeyHandle key, Signer signer, Optional<CenterKeyRotation> introducedBy) {}

    private final CryptoSuite crypto;
    private final List<Link> links = new ArrayList<>();
    private final Signer signer = new NewestKeySigner();

    CenterKeyRing(CryptoSuite crypto, PrivateKeyHandle first) {
        this.crypto = crypto;
        links.add(new Link(first, crypto.signer(first), Optional.empty()));
    }

    /** Appends a successor of the newest key; the statement must name the newest key as the old one. */
    synchronized void add(PrivateKeyHandle key, CenterKeyRotation statement) {
        if (!statement.getOldKeyId().equals(newest().keyId().toString())
                || statement.getSequence() != links.size()
                || !statement.getNewKey().getKeyId().equals(key.keyId().toString())) {
            throw new IllegalArgumentException("rotation " + statement.getSequence() + " does not follow key "
                    + newest().keyId() + " (rotation " + (links.size() - 1) + ")");
        }
        links.add(new Link(key, crypto.signer(key), Optional.of(statement)));
    }

    /** The key secure zones pin at provisioning: the root every rotation chains from. */
    synchronized PublicKeyHandle first() {
        return links.get(0).key().publicKey();
    }

    synchronized PrivateKeyHandle newest() {
        return newestLink().key();
    }

    private synchronized Link newestLink() {
        return links.get(links.size() - 1);
    }

    /** How many rotations the ring holds (the next one has this number plus one). */
    synchronized long rotations() {
        return links.size() - 1L;
    }

    synchronized List<Link> links() {
        return List.copyOf(links);
    }

    /** Signs with whichever key is newest at the moment of signing. */
    Signer signer() {
        return signer;
    }

    /** A verifier of any key of the ring: what the center signed, under any of its keys, is its own. */
    synchronized Optional<Verifier> verifierOf(String keyId) {
        return links.stream().map(Link::key).filter(key -> key.keyId().toString().equals(keyId)).findFirst()
                .map(key -> crypto.verifier(key.publicKey()));
    }

    /**
     * The {@code center:<keyId>} entries of every key, registered at {@code at}: the first signed by
     * itself, each successor signed by its predecessor (so the registry chains from the pinned key, as
     * the secure zones do), each with the validity its statements give it.
     */
    synchronized List<TrustRegistryEntry> registryEntries(Instant at) {
        List<TrustRegistryEntry> entries = new ArrayList<>();
        for (int i = 0; i < links.size(); i++) {
            Link link = links.get(i);
            Instant validFrom = link.introducedBy().map(CenterKeyRotation::getValidFrom).orElse(at);
            Instant validUntil = i + 1 < links.size()
                    ? links.get(i + 1).introducedBy().orElseThrow().getOldKeyValidUntil() : null;
            Signer by = links.get(Math.max(0, i - 1)).signer();
            CenterKey key = TrustRegistryEntries.centerKeyValidity(link.key().publicKey(), validFrom, validUntil);
            entries.add(TrustRegistryEntries.centerKey(key, at, by));
        }
        return entries;
    }

    /**
     * Every caller names the key ({@link #keyId}) in what it signs, then signs it, on one thread; a
     * rotation landing in between must not make the signature another key's than the one named, so
     * the key named last on this thread is the one that signs.
     */
    private final class NewestKeySigner implements Signer {
        private final ThreadLocal<Signer> named = new ThreadLocal<>();

        @Override
        public KeyId keyId() {
            Signer newest = newestLink().signer();
            named.set(newest);
            return newest.keyId();
        }

        @Override
        public Suite suite() {
            return crypto.suite();
        }

        @Override
        public SignatureBlob sign(byte[] message, Context context) {
            Signer signer = named.get();
            named.remove();
            return (signer != null ? signer : newestLink().signer()).sign(message, context);
        }
    }
}

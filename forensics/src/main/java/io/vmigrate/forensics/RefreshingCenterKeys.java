package io.vmigrate.forensics;

import io.vmigrate.trust.Verifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The center keys a live reader (the audit tail) trusts, reloaded when a record names a key it does not
 * know yet: after a center key rotation the new key's registry entry (signed by the old key) appears
 * while the reader runs. A key id is looked up again at most once, and only {@value #MAX_RELOADS} of them,
 * so records naming made-up keys cannot make it reread the registry forever.
 */
public final class RefreshingCenterKeys {

    /** Reads the trusted keys again, from the same source and pin as the first time. */
    @FunctionalInterface
    public interface Reloader {
        TrustedKeys reload() throws IOException;
    }

    static final int MAX_RELOADS = 64;

    private final Reloader reloader;
    private final Set<String> reloadedFor = new HashSet<>();
    private TrustedKeys keys;

    public RefreshingCenterKeys(TrustedKeys keys, Reloader reloader) {
        this.keys = keys;
        this.reloader = reloader;
    }

    /** A center key with this id valid at {@code at}, reloading the trusted keys once if the id is new. */
    public Optional<Verifier> centerKey(String keyId, Instant at) {
        Optional<Verifier> known = keys.centerKey(keyId, at);
        if (known.isPresent() || reloadedFor.size() >= MAX_RELOADS || !reloadedFor.add(keyId)) {
            return known;
        }
        try {
            keys = reloader.reload();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reread the trust registry for center key " + keyId, e);
        }
        return keys.centerKey(keyId, at);
    }
}

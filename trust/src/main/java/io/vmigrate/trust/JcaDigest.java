package io.vmigrate.trust;

import io.vmigrate.trust.internal.JcaAlgorithms;
import java.security.MessageDigest;
import java.util.Objects;

/** The suite's digest; MessageDigest objects are reused per thread (digest() resets them). */
final class JcaDigest implements Digest {
    private final Suite suite;
    private final ThreadLocal<MessageDigest> digests;

    JcaDigest(Suite suite) {
        this.suite = suite;
        this.digests = ThreadLocal.withInitial(() -> JcaAlgorithms.newDigest(suite));
    }

    @Override
    public Suite suite() {
        return suite;
    }

    @Override
    public byte[] digest(byte[] data) {
        return digests.get().digest(Objects.requireNonNull(data, "data"));
    }

    @Override
    public byte[] digest(byte[]... parts) {
        MessageDigest digest = digests.get();
        digest.reset();
        for (byte[] part : parts) {
            digest.update(Objects.requireNonNull(part, "part"));
        }
        return digest.digest();
    }
}

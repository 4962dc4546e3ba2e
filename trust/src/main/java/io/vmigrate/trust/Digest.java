package io.vmigrate.trust;

/** The suite's hash function: SM3 (GM) or SHA-256 (INTL); 32-byte output. Thread-safe. */
public interface Digest {
    Suite suite();

    byte[] digest(byte[] data);

    /** Digest of the concatenation of {@code parts}, without building it in memory. */
    byte[] digest(byte[]... parts);
}

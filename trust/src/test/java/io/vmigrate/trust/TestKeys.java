package io.vmigrate.trust;

/** Keys and contexts shared by tests; key generation is slow enough to be worth caching. */
final class TestKeys {
    static final Context CONTEXT = Context.of("migration-1", "vm-42", "host-a", "deliver-vm-key");

    private static final java.util.Map<String, PrivateKeyHandle> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private TestKeys() {
    }

    static PrivateKeyHandle signingKey(Suite suite) {
        return CACHE.computeIfAbsent("sig-" + suite, k -> CryptoSuites.get(suite).generateSigningKey());
    }

    static PrivateKeyHandle encapsulationKey(Suite suite) {
        return CACHE.computeIfAbsent("kem-" + suite, k -> CryptoSuites.get(suite).generateEncapsulationKey());
    }

    static Suite other(Suite suite) {
        return suite == Suite.GM ? Suite.INTL : Suite.GM;
    }

    static byte[] flipped(byte[] bytes, int index) {
        byte[] copy = bytes.clone();
        copy[index] ^= 0x01;
        return copy;
    }

    static String flipped(String text, int index) {
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new String(flipped(utf8, index), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}

package io.vmigrate.common.testing;

/**
 * Byte scans for the tests that prove no private key leaks: is a secret anywhere in what a component
 * wrote (topics, changelogs, files, logs)?
 */
public final class SecretScan {

    private SecretScan() {}

    /** The first index of {@code needle} in {@code haystack}, or -1. */
    public static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    public static boolean contains(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle) >= 0;
    }

    /**
     * The 32-byte private value inside a PKCS#8 private key: Ed25519 {@code 04 22 04 20 <seed>}, SM2
     * {@code 02 01 01 04 20 <d>}. A leak of the bare value is a leak too, so scans look for both.
     */
    public static byte[] privateValueOfPkcs8(byte[] pkcs8) {
        for (byte[] marker : new byte[][] {{0x04, 0x22, 0x04, 0x20}, {0x02, 0x01, 0x01, 0x04, 0x20}}) {
            int at = indexOf(pkcs8, marker);
            if (at >= 0 && at + marker.length + 32 <= pkcs8.length) {
                byte[] value = new byte[32];
                System.arraycopy(pkcs8, at + marker.length, value, 0, 32);
                return value;
            }
        }
        throw new AssertionError("no private value found in PKCS#8");
    }
}

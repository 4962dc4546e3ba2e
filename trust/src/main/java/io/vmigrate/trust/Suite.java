package io.vmigrate.trust;

import java.util.Locale;

/** The two crypto suites; chosen by configuration, never mixed within one blob. */
public enum Suite {
    /** SM2 (with SM3, explicit user id), SM2 encryption C1C3C2, SM3, SM4-GCM. */
    GM(1),
    /** Ed25519, HPKE (X25519, HKDF-SHA256, AES-256-GCM), SHA-256, AES-256-GCM. */
    INTL(2);

    private final int code;

    Suite(int code) {
        this.code = code;
    }

    /** Parses "gm" or "intl", ignoring case. */
    public static Suite parse(String name) {
        if (name != null) {
            for (Suite suite : values()) {
                if (suite.name().equals(name.trim().toUpperCase(Locale.ROOT))) {
                    return suite;
                }
            }
        }
        throw new IllegalArgumentException("unknown crypto suite '" + name + "': expected 'gm' or 'intl'");
    }

    /** The byte identifying this suite inside serialized blobs. */
    byte code() {
        return (byte) code;
    }

    static Suite fromCode(int code) throws MalformedBlobException {
        for (Suite suite : values()) {
            if (suite.code == code) {
                return suite;
            }
        }
        throw new MalformedBlobException("unknown suite code " + code);
    }
}

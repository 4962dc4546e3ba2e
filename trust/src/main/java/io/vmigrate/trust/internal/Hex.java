package io.vmigrate.trust.internal;

import java.util.HexFormat;

/** Lowercase hex, used for key ids. */
public final class Hex {
    private static final HexFormat FORMAT = HexFormat.of();

    private Hex() {
    }

    public static String encode(byte[] bytes) {
        return FORMAT.formatHex(bytes);
    }

    public static byte[] decode(String hex) {
        return FORMAT.parseHex(hex);
    }
}

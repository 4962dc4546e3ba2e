package io.vmigrate.faultrun.invariants;

import java.util.Objects;

/** Bytes a scan must never find outside a sealed store, with what they are (never the bytes themselves in a report). */
public record KeyNeedle(String label, byte[] bytes) {

    public KeyNeedle {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < ByteNeedles.PREFIX_BYTES) {
            throw new IllegalArgumentException(label + ": a needle needs at least " + ByteNeedles.PREFIX_BYTES + " bytes");
        }
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return label + " (" + bytes.length + " bytes)";
    }
}

package io.vmigrate.schema.envelope;

import io.vmigrate.schema.common.RefusalReason;

/** The bound every verifier of a signed statement puts on an identifier before it uses it. */
public final class BoundedIds {

    private BoundedIds() {}

    /**
     * {@code value}, if it is neither null, empty nor longer than {@code maxChars}; otherwise refused as
     * MALFORMED, naming {@code subject} (what is being verified) and {@code what} (which identifier).
     */
    public static String require(String value, int maxChars, String subject, String what) throws EnvelopeRefusedException {
        if (value == null || value.isEmpty() || value.length() > maxChars) {
            throw new EnvelopeRefusedException(RefusalReason.MALFORMED, subject + " " + what + " is empty or longer than "
                    + maxChars + " characters");
        }
        return value;
    }
}

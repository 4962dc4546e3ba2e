package io.vmigrate.schema.envelope;

import io.vmigrate.schema.common.RefusalReason;

/** An envelope that must not be acted on, with the protocol's reason; the message never holds payload bytes. */
public final class EnvelopeRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final RefusalReason reason;

    public EnvelopeRefusedException(RefusalReason reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
    }

    public EnvelopeRefusedException(RefusalReason reason, String detail, Throwable cause) {
        super(reason + ": " + detail, cause);
        this.reason = reason;
    }

    public RefusalReason reason() {
        return reason;
    }

    /** Forgeries and replays are security events; expiry or a malformed body may be mere faults. */
    public boolean isSecurityRelevant() {
        switch (reason) {
            case SIGNATURE_INVALID:
            case UNKNOWN_SIGNER:
            case REPLAYED:
            case WRONG_HOST:
            case STALE_EPOCH:
            case BINDING_MISMATCH:
                return true;
            default:
                return false;
        }
    }
}

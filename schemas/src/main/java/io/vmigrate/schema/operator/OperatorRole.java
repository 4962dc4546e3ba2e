package io.vmigrate.schema.operator;

import io.vmigrate.schema.request.OperatorRequestType;
import java.util.Locale;

/**
 * What an operator key may ask the center for. Auditors read topics and replay the log; they never
 * write, so no request of theirs is ever acted on.
 */
public enum OperatorRole {
    /** Migrates and aborts VMs, approves and retires hosts; does not rotate the center's key. */
    OPERATOR,
    /** Reads only. */
    AUDITOR,
    /** Everything an operator may do, and rotating the center's signing key (which changes what every zone trusts). */
    ADMIN;

    public boolean mayRequest(OperatorRequestType type) {
        if (type == OperatorRequestType.ROTATE_CENTER_KEY) {
            return this == ADMIN;
        }
        return this != AUDITOR;
    }

    public static OperatorRole parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown operator role '" + text + "' (OPERATOR, AUDITOR or ADMIN)");
        }
    }
}

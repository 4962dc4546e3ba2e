package io.vmigrate.schema.operator;

import io.vmigrate.schema.request.OperatorRequestType;
import java.util.Locale;

/**
 * What an operator key may ask the center for. Auditors read topics and replay the log; they never
 * write, so no request of theirs is ever acted on.
 */
public enum OperatorRole {
    /** Migrates and aborts VMs, approves and retires hosts. */
    OPERATOR,
    /** Reads only. */
    AUDITOR,
    /** Everything an operator may do; kept apart so a deployment can tell who administers the host fleet. */
    ADMIN;

    public boolean mayRequest(OperatorRequestType type) {
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

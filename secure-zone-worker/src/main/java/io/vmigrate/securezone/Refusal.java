package io.vmigrate.securezone;

import io.vmigrate.schema.common.RefusalReason;

/** Why the zone will not carry out a request; control flow inside the zone, so no stack trace. */
final class Refusal extends Exception {

    private static final long serialVersionUID = 1L;

    private final RefusalReason reason;
    private final String detail;

    Refusal(RefusalReason reason, String detail) {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
        this.detail = detail;
    }

    RefusalReason reason() {
        return reason;
    }

    String detail() {
        return detail;
    }
}

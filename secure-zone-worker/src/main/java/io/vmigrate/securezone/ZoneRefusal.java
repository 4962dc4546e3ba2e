package io.vmigrate.securezone;

import io.vmigrate.schema.common.RefusalReason;

/**
 * Why the secure zone will not carry out a request (answered as REFUSED with this reason and detail);
 * control flow inside the zone, so no stack trace.
 */
final class ZoneRefusal extends Exception {

    private static final long serialVersionUID = 1L;

    private final RefusalReason reason;
    private final String detail;

    ZoneRefusal(RefusalReason reason, String detail) {
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

package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;

/** The optional details of one audit record: never key material, only epochs, fingerprints and ids. */
record AuditNote(Long epoch, String keyFingerprint, String relatedMessageId, RefusalReason reason, String detail) {

    static AuditNote none() {
        return new AuditNote(null, null, null, null, null);
    }

    static AuditNote detail(String detail) {
        return new AuditNote(null, null, null, null, detail);
    }

    static AuditNote message(String messageId, String detail) {
        return new AuditNote(null, null, messageId, null, detail);
    }

    static AuditNote key(long epoch, String keyFingerprint, String messageId) {
        return new AuditNote(epoch, keyFingerprint, messageId, null, null);
    }

    static AuditNote refusal(RefusalReason reason, String detail, String messageId) {
        return new AuditNote(null, null, messageId, reason, detail);
    }
}

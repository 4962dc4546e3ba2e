package io.vmigrate.center.workflow;

import io.vmigrate.schema.common.RefusalReason;

/** The optional details of one audit record: never key material, only epochs, fingerprints and ids. */
public record AuditNote(Long epoch, String keyFingerprint, String relatedMessageId, RefusalReason reason, String detail) {

    public static AuditNote none() {
        return new AuditNote(null, null, null, null, null);
    }

    public static AuditNote detail(String detail) {
        return new AuditNote(null, null, null, null, detail);
    }

    public static AuditNote message(String messageId, String detail) {
        return new AuditNote(null, null, messageId, null, detail);
    }

    public static AuditNote key(long epoch, String keyFingerprint, String messageId) {
        return new AuditNote(epoch, keyFingerprint, messageId, null, null);
    }

    public static AuditNote refusal(RefusalReason reason, String detail, String messageId) {
        return new AuditNote(null, null, messageId, reason, detail);
    }
}

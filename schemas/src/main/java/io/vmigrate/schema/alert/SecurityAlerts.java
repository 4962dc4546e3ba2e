package io.vmigrate.schema.alert;

import io.vmigrate.schema.common.RefusalReason;
import java.time.Instant;
import java.util.UUID;

/** Builds the {@link SecurityAlert}s that the center and the host agents publish, one way. */
public final class SecurityAlerts {

    private static final int MAX_DETAIL = 1000;

    /** Where the offending record was read, if it was read from a topic. */
    public record Origin(String topic, Integer partition, Long offset) {

        public static Origin unknown() {
            return new Origin(null, null, null);
        }
    }

    private SecurityAlerts() {}

    public static SecurityAlert of(String detectedBy, Instant detectedAt, RefusalReason reason, String detail,
            String hostId, String migrationId, String vmId, String offendingMessageId, Origin origin) {
        String bounded = detail == null ? "" : detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL);
        return SecurityAlert.newBuilder()
                .setAlertId(UUID.randomUUID().toString())
                .setDetectedAt(detectedAt)
                .setDetectedBy(detectedBy)
                .setReason(reason)
                .setDetail(bounded)
                .setHostId(hostId)
                .setMigrationId(migrationId)
                .setVmId(vmId)
                .setOffendingMessageId(offendingMessageId)
                .setSourceTopic(origin.topic())
                .setSourcePartition(origin.partition())
                .setSourceOffset(origin.offset())
                .build();
    }
}

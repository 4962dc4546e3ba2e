package io.vmigrate.host;

import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.RefusalReason;

/**
 * Where the agent's output goes. Each call returns only once the output is durably accepted (for
 * Kafka: acknowledged by all in-sync replicas); a failure is thrown (for Kafka, a {@code KafkaException}
 * whose type tells whether trying again can help).
 */
public interface ReplyPublisher {

    /** A reply signed by the secure zone (single-object SignedEnvelope bytes) to {@code host.events}, keyed by VM id. */
    void publishReply(String vmId, byte[] signedEnvelope);

    /** A security alert to {@code security.alerts}. */
    void publishAlert(SecurityAlert alert);

    /** A record that cannot be processed, as it was consumed, with the reason and its origin in headers. */
    void publishDeadLetter(CommandRecord record, RefusalReason reason, String detail);
}

package io.vmigrate.center.workflow;

import io.vmigrate.schema.common.MessageType;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * A host reply whose envelope the adapter has opened: signed by the registered secure-zone key of
 * {@code hostId}, not expired, its body naming the same host. What it means is the machine's call.
 */
public record VerifiedReply(String messageId, MessageType type, String hostId, String migrationId, String vmId,
        SpecificRecord body) {

    public VerifiedReply {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(body, "body");
    }

    /** The body as the type its message type decodes to. */
    <T extends SpecificRecord> T body(Class<T> bodyType) {
        return bodyType.cast(body);
    }
}

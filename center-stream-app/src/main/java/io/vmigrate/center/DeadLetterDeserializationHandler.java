package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record that cannot be decoded goes, bytes unchanged, to the dead-letter topic with reason
 * MALFORMED and its topic, partition and offset in headers; processing continues.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private CenterMetrics metrics = CenterMetrics.NONE;

    @Override
    public void configure(Map<String, ?> configs) {
        // The dead-letter topic is fixed by the protocol; only where to count is configured.
        metrics = CenterMetricsHandle.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        String detail = exception.getClass().getSimpleName() + ": " + exception.getMessage();
        LOG.warn("undecodable record at {}-{}@{} (processor {}) dead-lettered: {}", record.topic(), record.partition(),
                record.offset(), context.processorNodeId(), detail);
        metrics.deadLetter(RefusalReason.MALFORMED);
        return Response.resume(List.of(DeadLetters.record(record.key(), record.value(), RefusalReason.MALFORMED, detail,
                record.topic(), record.partition(), record.offset())));
    }
}

package io.vmigrate.center;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Production failures by category. Failures confined to one record (a host's command topic that
 * does not exist, a record too large) are logged with their coordinates and skipped: the
 * migration they belonged to then aborts at its deadline, audited. Everything else (authorization,
 * fencing, our own serialization bugs) fails the task, so that exactly-once never commits a gap.
 */
public final class CategorizingProductionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CategorizingProductionHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        boolean recordLocal = exception instanceof UnknownTopicOrPartitionException
                || exception instanceof InvalidTopicException
                || exception instanceof RecordTooLargeException;
        if (recordLocal) {
            LOG.error("cannot produce to {} (input {}-{}@{}, processor {}): {}; record skipped", record.topic(),
                    context.topic(), context.partition(), context.offset(), context.processorNodeId(), exception.toString());
            return Response.resume();
        }
        LOG.error("cannot produce to {} (input {}-{}@{}, processor {}); failing the task", record.topic(),
                context.topic(), context.partition(), context.offset(), context.processorNodeId(), exception);
        return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes") // the interface declares the raw type
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
            SerializationExceptionOrigin origin) {
        LOG.error("cannot serialize the {} of a record for {} (input {}-{}@{}); failing the task", origin,
                record.topic(), context.topic(), context.partition(), context.offset(), exception);
        return Response.fail();
    }
}

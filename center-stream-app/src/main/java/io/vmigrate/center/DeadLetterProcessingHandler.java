package io.vmigrate.center;

import io.vmigrate.schema.common.RefusalReason;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An input record whose processing threw goes, as it was read, to the dead-letter topic (reason
 * INTERNAL_ERROR, origin in headers) and the center continues: one bad record never stops the workflow.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    private CenterMetrics metrics = CenterMetrics.NONE;

    @Override
    public void configure(Map<String, ?> configs) {
        // The dead-letter topic is fixed by the protocol; only where to count is configured.
        metrics = CenterMetricsHandle.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String detail = exception.getClass().getSimpleName() + ": " + exception.getMessage();
        LOG.error("processing failed at {}-{}@{} in {}; record dead-lettered", context.topic(), context.partition(),
                context.offset(), context.processorNodeId(), exception);
        if (context.sourceRawValue() == null && context.sourceRawKey() == null) {
            return Response.resume();
        }
        metrics.deadLetter(RefusalReason.INTERNAL_ERROR);
        return Response.resume(List.of(DeadLetters.record(context.sourceRawKey(), context.sourceRawValue(),
                RefusalReason.INTERNAL_ERROR, detail, context.topic(), context.partition(), context.offset())));
    }
}

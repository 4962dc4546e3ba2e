package io.vmigrate.schema.topic;

import io.vmigrate.schema.common.RefusalReason;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Headers every dead-lettered record carries, so an operator can find and judge the original. */
public final class DeadLetterHeaders {

    /** A {@code RefusalReason} name, e.g. MALFORMED or SIGNATURE_INVALID. */
    public static final String REASON = "vmigrate.dlq.reason";
    /** Human-readable detail (never payload bytes), at most {@link #MAX_DETAIL} characters. */
    public static final String DETAIL = "vmigrate.dlq.detail";
    public static final String SOURCE_TOPIC = "vmigrate.dlq.source.topic";
    public static final String SOURCE_PARTITION = "vmigrate.dlq.source.partition";
    public static final String SOURCE_OFFSET = "vmigrate.dlq.source.offset";
    /** Which component dead-lettered it, e.g. center or host-agent/h1. */
    public static final String COMPONENT = "vmigrate.dlq.component";
    public static final int MAX_DETAIL = 1000;

    private DeadLetterHeaders() {}

    /** The headers of one dead letter: why, where it was read, and who set it aside. */
    public static Headers of(RefusalReason reason, String detail, String sourceTopic, int sourcePartition,
            long sourceOffset, String component) {
        Headers headers = new RecordHeaders();
        headers.add(REASON, utf8(reason.name()));
        headers.add(DETAIL, utf8(detail == null ? "" : truncate(detail)));
        headers.add(SOURCE_TOPIC, utf8(sourceTopic == null ? "" : sourceTopic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(sourcePartition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(sourceOffset)));
        headers.add(COMPONENT, utf8(component));
        return headers;
    }

    static String truncate(String detail) {
        return detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

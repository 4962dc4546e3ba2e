package io.vmigrate.schema.topic;

/** Headers every dead-lettered record carries, so an operator can find and judge the original. */
public final class DeadLetterHeaders {

    /** A {@code RefusalReason} name, e.g. MALFORMED or SIGNATURE_INVALID. */
    public static final String REASON = "vmigrate.dlq.reason";
    /** Human-readable detail (never payload bytes). */
    public static final String DETAIL = "vmigrate.dlq.detail";
    public static final String SOURCE_TOPIC = "vmigrate.dlq.source.topic";
    public static final String SOURCE_PARTITION = "vmigrate.dlq.source.partition";
    public static final String SOURCE_OFFSET = "vmigrate.dlq.source.offset";
    /** Which component dead-lettered it, e.g. center or host-agent/h1. */
    public static final String COMPONENT = "vmigrate.dlq.component";

    private DeadLetterHeaders() {}
}

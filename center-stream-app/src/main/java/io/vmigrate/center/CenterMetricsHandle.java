package io.vmigrate.center;

/**
 * How the Streams exception handlers, which Kafka Streams instantiates from class names, find the
 * center's {@link CenterMetrics}: the instance travels in the Streams properties under {@link #CONFIG}.
 */
final class CenterMetricsHandle {

    /** Streams property holding the {@link CenterMetrics} object (not a string; never a client setting). */
    static final String CONFIG = "vmigrate.center.metrics.instance";

    private CenterMetricsHandle() {}

    /** The metrics handed over in the handler's configs, or {@link CenterMetrics#NONE}. */
    static CenterMetrics from(java.util.Map<String, ?> configs) {
        return configs.get(CONFIG) instanceof CenterMetrics configured ? configured : CenterMetrics.NONE;
    }
}

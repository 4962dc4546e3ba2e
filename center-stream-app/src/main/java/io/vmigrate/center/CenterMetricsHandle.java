package io.vmigrate.center;

/**
 * How the Streams exception handlers, which Kafka Streams instantiates from class names, find the
 * center's {@link CenterMetrics}: the instance travels in the Streams properties under {@link #CONFIG}.
 */
final class CenterMetricsHandle {

    /** Streams property holding the {@link CenterMetrics} object (not a string; never a client setting). */
    static final String CONFIG = "vmigrate.center.metrics.instance";

    private CenterMetricsHandle() {}
}

package io.vmigrate.host.metrics;

import io.vmigrate.host.CommandRecord;
import io.vmigrate.host.ReplyPublisher;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.RefusalReason;
import java.util.Objects;

/** Counts the security alerts and dead letters the agent publishes (after they were published). */
public final class CountingReplyPublisher implements ReplyPublisher {

    private final ReplyPublisher delegate;
    private final AgentMetrics metrics;

    public CountingReplyPublisher(ReplyPublisher delegate, AgentMetrics metrics) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void publishReply(String vmId, byte[] signedEnvelope) {
        delegate.publishReply(vmId, signedEnvelope);
    }

    @Override
    public void publishAlert(SecurityAlert alert) {
        delegate.publishAlert(alert);
        metrics.securityAlert(alert.getReason());
    }

    @Override
    public void publishDeadLetter(CommandRecord record, RefusalReason reason, String detail) {
        delegate.publishDeadLetter(record, reason, detail);
        metrics.deadLetter(reason);
    }
}

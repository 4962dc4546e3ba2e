package io.vmigrate.host.testing;

import io.vmigrate.host.CommandRecord;
import io.vmigrate.host.ReplyPublisher;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.util.ArrayList;
import java.util.List;

/** The test side of the {@link ReplyPublisher} port: keeps what the agent published, in order. */
public final class RecordingPublisher implements ReplyPublisher {

    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);

    public record Reply(String key, byte[] bytes, SignedEnvelope envelope) {}

    public record DeadLetter(CommandRecord record, RefusalReason reason, String detail) {}

    public final List<Reply> replies = new ArrayList<>();
    public final List<SecurityAlert> alerts = new ArrayList<>();
    public final List<DeadLetter> deadLetters = new ArrayList<>();

    @Override
    public void publishReply(String vmId, byte[] signedEnvelope) {
        replies.add(new Reply(vmId, signedEnvelope.clone(), ENVELOPES.decode(signedEnvelope)));
    }

    @Override
    public void publishAlert(SecurityAlert alert) {
        alerts.add(alert);
    }

    @Override
    public void publishDeadLetter(CommandRecord record, RefusalReason reason, String detail) {
        deadLetters.add(new DeadLetter(record, reason, detail));
    }

    public int total() {
        return replies.size() + alerts.size() + deadLetters.size();
    }

    public void clear() {
        replies.clear();
        alerts.clear();
        deadLetters.clear();
    }
}

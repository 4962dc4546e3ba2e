package io.vmigrate.host.testing;

import io.vmigrate.host.CommandRecord;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.testing.TestCenter;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.PrivateKeyHandle;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Plays the center in handler tests, handing its signed commands out as the host's consumer would read them. */
public final class CommandFeed extends TestCenter {

    private final Map<String, Long> nextOffset = new HashMap<>();

    public CommandFeed(CryptoSuite crypto) {
        super(crypto);
    }

    public CommandFeed(CryptoSuite crypto, PrivateKeyHandle centerKey) {
        super(crypto, centerKey);
    }

    /** The command at the next offset of the host's command topic. */
    public CommandRecord record(String hostId, SignedEnvelope envelope) {
        String topic = Topics.hostCommandsTopicName(hostId);
        long offset = nextOffset.merge(topic, 1L, Long::sum) - 1;
        return at(topic, offset, envelope);
    }

    public static CommandRecord at(String topic, long offset, SignedEnvelope envelope) {
        return new CommandRecord(topic, 0, offset, envelope.getVmId().getBytes(StandardCharsets.UTF_8), encode(envelope));
    }
}

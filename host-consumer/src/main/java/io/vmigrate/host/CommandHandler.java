package io.vmigrate.host;

import io.vmigrate.host.HandlingResult.Kind;
import io.vmigrate.host.metrics.AgentMetrics;
import io.vmigrate.host.hypervisor.HypervisorPort;
import io.vmigrate.securezone.client.SecureZonePort;
import io.vmigrate.host.store.ProcessedCommand;
import io.vmigrate.host.store.ProcessedCommandStore;
import io.vmigrate.host.store.DurableIdSet;
import io.vmigrate.schema.common.Direction;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeLimits;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.Topics;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one command record: bound its sizes, decode the envelope (never its body: only the secure
 * zone decodes a body, after verifying it), deduplicate by message id, have the secure zone verify the
 * command FIRST, then act in the hypervisor, publish the secure zone's signed reply, and record the
 * command as processed. The caller commits offsets only after {@link #handle} returned for each of them and
 * {@link #syncHandled} made them durable. Message ids
 * are remembered until the command's expiry plus the store's retention; a command seen again after that
 * is refused by the secure zone as expired, before anything acts, like any other expired command.
 *
 * <p>Failures by category: {@link IOException} (secure zone unreachable, disk) means nothing is
 * concluded and the same record must be handled again later; Kafka exceptions from the publisher
 * propagate for the caller to judge; {@link AgentFatalException} means the agent must stop. Bad input
 * never throws, whatever its bytes: what is malformed, oversize or not admitted by the secure zone is
 * dead-lettered once with its reason, and the offset moves on.
 */
public final class CommandHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CommandHandler.class);
    private static final SingleObjectCodec<SignedEnvelope> ENVELOPES = SingleObjectCodec.of(SignedEnvelope.class);

    private final ProcessedCommandStore processed;
    private final ReplyPublisher publisher;
    private final Deserializer<SignedEnvelope> envelopeDeserializer;
    private final AgentMetrics metrics;
    private final CommandReplies replies;
    private final CommandActions actions;

    public CommandHandler(String hostId, Topics topics, SecureZonePort secureZone, HypervisorPort hypervisor,
            ProcessedCommandStore processed, DurableIdSet registrations, DurableIdSet pendingCompletions,
            ReplyPublisher publisher, Clock clock) {
        this(hostId, topics, secureZone, hypervisor, processed, registrations, pendingCompletions, publisher, clock,
                AgentMetrics.inMemory(hostId));
    }

    /** As above, counting each handled command in {@code metrics}. */
    public CommandHandler(String hostId, Topics topics, SecureZonePort secureZone, HypervisorPort hypervisor,
            ProcessedCommandStore processed, DurableIdSet registrations, DurableIdSet pendingCompletions,
            ReplyPublisher publisher, Clock clock, AgentMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.processed = Objects.requireNonNull(processed, "processed");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.envelopeDeserializer = topics.hostCommands(Objects.requireNonNull(hostId, "hostId")).valueSerde().deserializer();
        this.replies = new CommandReplies(hostId, Objects.requireNonNull(secureZone, "secureZone"), publisher,
                Objects.requireNonNull(clock, "clock"));
        this.actions = new CommandActions(hostId, secureZone, Objects.requireNonNull(hypervisor, "hypervisor"),
                Objects.requireNonNull(registrations, "registrations"),
                Objects.requireNonNull(pendingCompletions, "pendingCompletions"), publisher, replies);
    }

    public HandlingResult handle(CommandRecord record) throws IOException {
        Optional<SignedEnvelope> decoded = decode(record);
        if (decoded.isEmpty()) {
            metrics.commandHandled("UNDECODABLE", Kind.DEAD_LETTERED);
            return HandlingResult.of(Kind.DEAD_LETTERED, null, null);
        }
        SignedEnvelope envelope = decoded.get();
        String messageId = envelope.getMessageId();
        Optional<ProcessedCommand> seen = processed.find(messageId);
        if (seen.isPresent()) {
            HandlingResult again = handleSeenBefore(record, envelope, seen.get());
            metrics.commandHandled(envelope.getMessageType().name(), again.kind());
            return again;
        }
        Command command = new Command(record, envelope, ENVELOPES.encode(envelope));
        LOG.info("{}: handling {} {} for migration {} VM {}", record, envelope.getMessageType(), messageId,
                envelope.getMigrationId(), envelope.getVmId());
        HandlingResult result = actions.dispatch(command);
        if (result.kind() == Kind.NOT_ADMITTED) {
            // Unverified: its message id is not remembered, so it can never shadow a real command's.
            metrics.commandHandled(envelope.getMessageType().name(), result.kind());
            return result;
        }
        // Durable (at syncHandled) before the caller commits the offset: a crash in between republishes, never re-acts. The zone
        // admitted the command, so its expiry is authentic: remembered until the zone refuses it as expired.
        processed.record(new ProcessedCommand(messageId, record.topic(), record.partition(), record.offset(),
                envelope.getExpiresAt().toEpochMilli(), result.reply().orElse(new byte[0])));
        LOG.info("{}: {} {} for migration {} -> {}", record, envelope.getMessageType(), messageId,
                envelope.getMigrationId(), result.kind());
        metrics.commandHandled(envelope.getMessageType().name(), result.kind());
        return result;
    }

    /**
     * Makes every command handled so far durably recorded; the caller calls it once per batch, before it
     * commits the batch's offsets (group commit: one fsync per poll, not per command).
     */
    public void syncHandled() throws IOException {
        processed.sync();
    }

    /** The first thing done with a polled record: sizes bounded before anything is decoded, stored or logged. */
    private Optional<SignedEnvelope> decode(CommandRecord record) {
        byte[] value = record.value();
        if (value == null) {
            deadLetter(record, "tombstone on a command topic");
            return Optional.empty();
        }
        SignedEnvelope envelope;
        try {
            EnvelopeLimits.checkEncodedSize(value.length);
            envelope = envelopeDeserializer.deserialize(record.topic(), value);
            if (envelope == null) {
                deadLetter(record, "not a signed envelope");
                return Optional.empty();
            }
            // Before the message id is looked up, stored (a 64 KiB id broke the processed-command log) or logged.
            EnvelopeLimits.check(envelope);
        } catch (EnvelopeRefusedException e) {
            deadLetter(record, e.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) {
            deadLetter(record, "not a signed envelope: " + e.getMessage());
            return Optional.empty();
        }
        if (envelope.getDirection() != Direction.CENTER_TO_HOST || envelope.getMessageType() == null
                || MessageCatalogue.directionOf(envelope.getMessageType()) != Direction.CENTER_TO_HOST) {
            deadLetter(record, "not a command envelope: " + envelope.getMessageType() + " " + envelope.getDirection());
            return Optional.empty();
        }
        return Optional.of(envelope);
    }

    private void deadLetter(CommandRecord record, String detail) {
        LOG.warn("{}: dead-lettering: {}", record, detail);
        publisher.publishDeadLetter(record, RefusalReason.MALFORMED, detail);
    }

    private HandlingResult handleSeenBefore(CommandRecord record, SignedEnvelope envelope, ProcessedCommand seen) {
        String messageId = envelope.getMessageId();
        if (seen.isSameRecord(record.topic(), record.partition(), record.offset())) {
            LOG.info("{}: {} already handled here; publishing its reply again", record, messageId);
            if (seen.hasReply()) {
                publisher.publishReply(envelope.getVmId(), seen.reply());
            }
            return HandlingResult.of(Kind.REDELIVERED, messageId, seen.hasReply() ? seen.reply() : null);
        }
        String detail = "message id " + messageId + " was handled at " + seen.topic() + "-" + seen.partition() + "@"
                + seen.offset() + " and arrived again at " + record;
        LOG.warn("{}: replay refused: {}", record, detail);
        publisher.publishAlert(replies.alert(RefusalReason.REPLAYED, detail, record, envelope));
        return HandlingResult.of(Kind.REPLAYED, messageId, null);
    }
}

package io.vmigrate.center;

import io.vmigrate.schema.envelope.EnvelopeSealer;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.registry.CenterKeyRotations;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.SealedKeyStoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls the center's signing key, in the order that keeps every secure zone able to verify every
 * command: the vault seals the next key and the statement the current key signs for it; the
 * statement goes, in a ROTATE_CENTER_KEY envelope signed by the current key, to every partition of
 * every approved host's command topic (so no command signed by the new key can overtake it); only
 * once each send is acknowledged does the vault sign with the new key; then the registry gets every
 * center key's entry with its validity, each signed by its predecessor. The old key stays valid,
 * for zones and forensics, for the configured overlap; the center itself never signs with it again.
 */
final class CenterKeyRotator {

    private static final Logger LOG = LoggerFactory.getLogger(CenterKeyRotator.class);
    private static final long SEND_TIMEOUT_SECONDS = 60;

    private final CenterVault vault;
    private final Topics topics;
    private final Clock clock;
    private final Duration overlap;
    private final Duration commandTtl;
    private final Map<String, Object> producerConfig;
    private final KafkaProducer<String, TrustRegistryEntry> registryProducer;
    private final Supplier<Optional<List<TrustRegistryEntry>>> registry;

    CenterKeyRotator(CenterVault vault, Topics topics, Clock clock, Duration overlap, Duration commandTtl,
            Map<String, Object> producerConfig, KafkaProducer<String, TrustRegistryEntry> registryProducer,
            Supplier<Optional<List<TrustRegistryEntry>>> registry) {
        this.vault = vault;
        this.topics = topics;
        this.clock = clock;
        this.overlap = overlap;
        this.commandTtl = commandTtl;
        this.producerConfig = Map.copyOf(producerConfig);
        this.registryProducer = registryProducer;
        this.registry = registry;
    }

    /** Rotates once; returns the statement announced. Throws if the registry cannot be read or a send fails. */
    synchronized CenterKeyRotation rotate() throws SealedKeyStoreException {
        return rotate(Optional.empty());
    }

    /**
     * Rotates once for an admin's request, whose id the vault keeps with the rotation (before the new key
     * signs), so the same request never rotates twice, here or in another instance sharing the vault.
     */
    synchronized CenterKeyRotation rotate(Optional<String> requestId) throws SealedKeyStoreException {
        // Another instance sharing the vault file may have rotated: never seal over its rotation.
        vault.reload();
        List<String> hosts = approvedHosts();
        CenterKeyRotation statement = vault.rotate(clock.instant(), overlap);
        announce(statement, hosts);
        if (requestId.isPresent()) {
            vault.recordRequest(statement, requestId.get());
        }
        vault.activate(statement);
        // A host approved while the announcement went out was in neither that list nor, when its approval was
        // processed, the vault's activated rotations; zones take a repeat of their last statement silently.
        List<String> approvedMeanwhile = new ArrayList<>(approvedHosts());
        approvedMeanwhile.removeAll(hosts);
        if (!approvedMeanwhile.isEmpty()) {
            announce(statement, approvedMeanwhile);
        }
        publishCenterKeys();
        LOG.info("center key rotation {} done: {} hosts told, key {} signs, {} valid until {}", statement.getSequence(),
                hosts.size(), statement.getNewKey().getKeyId(), statement.getOldKeyId(), statement.getOldKeyValidUntil());
        return statement;
    }

    /** Every center key's registry entry, chained from the first; also what the center publishes at start. */
    void publishCenterKeys() {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (TrustRegistryEntry entry : vault.centerKeyEntries(clock.instant())) {
            sends.add(registryProducer.send(new ProducerRecord<>(topics.trustRegistry().name(), entry.getEntryId(), entry)));
        }
        awaitAll(sends, "center key entries on " + topics.trustRegistry().name());
    }

    private List<String> approvedHosts() {
        List<TrustRegistryEntry> entries = registry.get().orElseThrow(() -> new IllegalStateException(
                "the trust registry cannot be read yet (is the center running?); no rotation started"));
        TreeSet<String> hosts = new TreeSet<>();
        for (TrustRegistryEntry entry : entries) {
            if (entry.getHost() != null && !entry.getRevoked()
                    && entry.getEntryId().startsWith(TrustRegistryEntries.HOST_ENTRY_PREFIX)) {
                hosts.add(entry.getHost().getHostId());
            }
        }
        return List.copyOf(hosts);
    }

    private void announce(CenterKeyRotation statement, List<String> hosts) {
        EnvelopeSealer byOldKey = new EnvelopeSealer(vault.signerOf(statement.getOldKeyId()), clock, commandTtl);
        var serializer = topics.hostCommands("any").valueSerde().serializer();
        try (var producer = new KafkaProducer<>(producerConfig, new StringSerializer(), serializer)) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (String host : hosts) {
                Topic<String, SignedEnvelope> commands = topics.hostCommands(host);
                for (PartitionInfo partition : producer.partitionsFor(commands.name())) {
                    SignedEnvelope envelope = byOldKey.seal(CenterKeyRotations.announcementTo(statement.getSequence(), host),
                            statement);
                    sends.add(producer.send(new ProducerRecord<>(commands.name(), partition.partition(),
                            envelope.getVmId(), envelope)));
                    LOG.info("center key rotation {}: announcement {} to {}-{}", statement.getSequence(),
                            envelope.getMessageId(), commands.name(), partition.partition());
                }
            }
            awaitAll(sends, "the announcement of center key rotation " + statement.getSequence());
        }
    }

    private static void awaitAll(List<Future<RecordMetadata>> sends, String what) {
        try {
            for (Future<RecordMetadata> send : sends) {
                send.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot publish " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing " + what, e);
        }
    }
}

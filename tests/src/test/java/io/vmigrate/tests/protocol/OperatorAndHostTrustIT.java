package io.vmigrate.tests.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.cli.operator.AbortOutcome;
import io.vmigrate.cli.operator.HostListing;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.keys.CenterPublicKeyFile;
import io.vmigrate.schema.operator.OperatorRequestSealer;
import io.vmigrate.schema.request.HostApproval;
import io.vmigrate.schema.request.HostRetirement;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, finding 1, on a real broker with real secure zones: hosts are trusted only after approval
 * and operators are identities. Every scenario makes the VMs and rogue hosts it needs, so they run
 * in any order on one system.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorAndHostTrustIT {

    private static final Duration OUTCOME = Duration.ofSeconds(90);

    private EmbeddedSystem system;
    private SystemProbe probe;
    private Operator operator;
    private Verifier center;
    private final java.util.concurrent.atomic.AtomicInteger counter = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    void start(@TempDir Path dataDir) throws Exception {
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(0).suite(Suite.INTL)
                .defaultDeadline(Duration.ofSeconds(60)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        probe = new SystemProbe(system);
        operator = system.operator();
        PublicKeyHandle centerKey = CenterPublicKeyFile.read(dataDir.resolve("center").resolve("center-public-key.properties"));
        center = CryptoSuites.get(centerKey.suite()).verifier(centerKey);
    }

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    private String newVm(String hostId) {
        String vmId = "trust-" + counter.incrementAndGet();
        system.addVm(hostId, vmId, Duration.ofSeconds(60));
        return vmId;
    }

    /** Finding 1 as an attacker with bus access does it: keys made in ordinary software, a valid proof of possession. */
    private String enrollRogueHost(String hostId) {
        PrivateKeyHandle signing = SoftwareHosts.enroll(system, CryptoSuites.get(Suite.INTL), hostId, (id, fingerprint) -> Optional.empty());
        await().atMost(Duration.ofSeconds(30)).until(() -> operator.hosts(center).host(hostId)
                .map(h -> h.state() == HostListing.State.PENDING).orElse(false));
        return signing.keyId().toString();
    }

    @Test
    void aRogueHostWithSoftwareKeysIsPendingAndNeverReceivesAVm() throws Exception {
        String vm = newVm("h1");
        VmInventoryEntry before = probe.binding(vm);
        enrollRogueHost("h9");

        MigrationWatcher.Outcome outcome = migrate(vm, "h9");

        assertThat(outcome.finalStep()).isEqualTo(MigrationStep.REJECTED);
        assertThat(outcome.reason()).contains(RefusalReason.DESTINATION_NOT_ENROLLED.name());
        assertThat(commandsTo("h9")).isEmpty();
        assertThat(probe.binding(vm)).isEqualTo(before);
        assertThat(probe.hostsRunning(vm)).containsExactly("h1");
        assertThat(probe.installedKey("h1", vm)).map(k -> k.keyFingerprint())
                .contains(before.getBinding().getKeyFingerprint());
    }

    @Test
    void unsignedAndUnknownKeyRequestsAreRefusedWithAReasonAndAnAlert() throws Exception {
        String vm = newVm("h1");
        String unsignedId = "unsigned-" + vm;
        MigrationRequested unsigned = MigrationRequested.newBuilder().setMigrationId(unsignedId).setVmId(vm)
                .setSourceHostId("h1").setDestinationHostId("h2").setRequestedBy("mallory")
                .setRequestedAt(java.time.Instant.now()).build();
        produceRaw(vm, SingleObjectCodec.of(MigrationRequested.class).encode(unsigned));

        CryptoSuite crypto = CryptoSuites.get(Suite.INTL);
        OperatorRequestSealer stranger = new OperatorRequestSealer(crypto.signer(crypto.generateSigningKey()),
                Clock.systemUTC(), Duration.ofMinutes(5));
        String strangerId = "stranger-" + vm;
        var signedByStranger = stranger.seal(MigrationRequested.newBuilder(unsigned).setMigrationId(strangerId).build());
        SoftwareHosts.produce(system, system.topics().migrationRequests(), vm, signedByStranger);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> reasons = deadLetterReasons();
            assertThat(reasons).contains(RefusalReason.NOT_SIGNED.name(), RefusalReason.UNKNOWN_SIGNER.name());
            assertThat(probe.alerts()).extracting(SecurityAlert::getReason)
                    .contains(RefusalReason.NOT_SIGNED, RefusalReason.UNKNOWN_SIGNER);
        });
        assertThat(probe.audit(unsignedId)).isEmpty();
        assertThat(probe.audit(strangerId)).isEmpty();
        assertThat(probe.binding(vm).getBinding().getHostId()).isEqualTo("h1");
        // and a signed request of the operator still goes through
        assertThat(migrate(vm, "h2").finalStep()).isEqualTo(MigrationStep.DONE);
    }

    @Test
    void anAuditorsRequestIsRejected() throws Exception {
        String vm = newVm("h2");
        MigrationRequested request = system.auditorSignedRequests().newRequest(vm, "h3", Optional.empty(), Optional.empty(), "auditor");
        system.auditorSignedRequests().send(request);

        await().atMost(Duration.ofSeconds(30)).until(() -> rejection(request.getMigrationId()).isPresent());
        MigrationRejected rejected = rejection(request.getMigrationId()).get();
        assertThat(rejected.getReason()).isEqualTo(RefusalReason.NOT_AUTHORIZED);
        assertThat(rejected.getDetail()).contains("AUDITOR");
        assertThat(probe.audit(request.getMigrationId())).isEmpty();
        assertThat(probe.binding(vm).getBinding().getHostId()).isEqualTo("h2");
    }

    @Test
    void anAbortBeforeCommitAbortsAndAfterCommitIsRefused() throws Exception {
        String vm = newVm("h1");
        String fingerprint = probe.binding(vm).getBinding().getKeyFingerprint();
        // With h3's agent stopped the migration cannot get past COMMANDED: the abort lands before commit.
        system.host("h3").stopAgent();
        try {
            MigrationRequested request = operator.newRequest(vm, "h3", Optional.empty(), Optional.empty(), "it");
            operator.send(request);
            await().atMost(Duration.ofSeconds(30)).until(() -> probe.audit(request.getMigrationId()).stream()
                    .anyMatch(r -> r.getStep() == MigrationStep.COMMANDED));

            Optional<AbortOutcome> aborted = operator.abortAndAwait(request.getMigrationId(), vm, OUTCOME);

            assertThat(aborted).hasValueSatisfying(o -> {
                assertThat(o.aborted()).isTrue();
                assertThat(o.detail()).contains(RefusalReason.OPERATOR_ABORT.name());
            });
            assertThat(probe.binding(vm).getBinding().getKeyFingerprint()).isEqualTo(fingerprint);
        } finally {
            system.host("h3").startAgent();
        }
        // h3's agent, back, finds the CreateTargetVm and then the AbortMigration: no target survives there.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(probe.hostsRunning(vm)).containsExactly("h1"));

        MigrationRequested done = operator.newRequest(vm, "h2", Optional.empty(), Optional.empty(), "it");
        assertThat(operator.sendAndAwait(done, OUTCOME, step -> { })).map(MigrationWatcher.Outcome::finalStep)
                .contains(MigrationStep.DONE);
        Optional<AbortOutcome> refused = operator.abortAndAwait(done.getMigrationId(), vm, OUTCOME);
        assertThat(refused).hasValueSatisfying(o -> {
            assertThat(o.aborted()).isFalse();
            assertThat(o.detail()).contains(RefusalReason.ALREADY_COMMITTED.name());
        });
        assertThat(probe.binding(vm).getBinding().getHostId()).isEqualTo("h2");
    }

    @Test
    void approvingTheFingerprintMakesAPendingHostUsableAndRetiringMakesItUnusable() throws Exception {
        String vm = newVm("h1");
        String fingerprint = enrollRogueHost("h10");

        operator.sendHostRequest(HostApproval.newBuilder().setHostId("h10").setFingerprint("0".repeat(32)).build());
        system.auditorSignedRequests().sendHostRequest(HostApproval.newBuilder().setHostId("h10").setFingerprint(fingerprint).build());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(deadLetterReasons())
                .contains(RefusalReason.HOST_NOT_APPROVED.name(), RefusalReason.NOT_AUTHORIZED.name()));
        assertThat(operator.hosts(center).host("h10")).map(HostListing.Host::state).contains(HostListing.State.PENDING);

        operator.sendHostRequest(HostApproval.newBuilder().setHostId("h10").setFingerprint(fingerprint).build());
        assertThat(operator.awaitHostState("h10", HostListing.State.APPROVED, center, Duration.ofSeconds(30))).isTrue();

        // Usable: the center now commands it (it is a host without a real zone, so the migration is aborted).
        MigrationRequested request = operator.newRequest(vm, "h10", Optional.empty(), Optional.empty(), "it");
        operator.send(request);
        await().atMost(Duration.ofSeconds(30)).until(() -> !commandsTo("h10").isEmpty());
        assertThat(operator.abortAndAwait(request.getMigrationId(), vm, OUTCOME)).map(AbortOutcome::aborted).contains(true);

        operator.sendHostRequest(HostRetirement.newBuilder().setHostId("h10").build());
        assertThat(operator.awaitHostState("h10", HostListing.State.RETIRED, center, Duration.ofSeconds(30))).isTrue();
        int commandsBefore = commandsTo("h10").size();
        MigrationWatcher.Outcome afterRetirement = migrate(vm, "h10");
        assertThat(afterRetirement.finalStep()).isEqualTo(MigrationStep.REJECTED);
        assertThat(afterRetirement.reason()).contains(RefusalReason.DESTINATION_NOT_ENROLLED.name());
        assertThat(commandsTo("h10")).hasSize(commandsBefore);
        assertThat(probe.binding(vm).getBinding().getHostId()).isEqualTo("h1");
    }

    private MigrationWatcher.Outcome migrate(String vmId, String to) {
        MigrationRequested request = operator.newRequest(vmId, to, Optional.empty(), Optional.empty(), "it");
        Optional<MigrationWatcher.Outcome> outcome = operator.sendAndAwait(request, OUTCOME, step -> { });
        assertThat(outcome).as("migration %s of %s to %s ended", request.getMigrationId(), vmId, to).isPresent();
        return outcome.get();
    }

    private List<SignedEnvelope> commandsTo(String hostId) {
        return probe.commandsTo(hostId);
    }

    private Optional<MigrationRejected> rejection(String migrationId) {
        List<MigrationRejected> found = new ArrayList<>();
        TopicSnapshot.readToEnd(system.clientProperties(), system.topics().migrationRejections(), (key, value) -> {
            if (value != null && migrationId.equals(value.getMigrationId())) {
                found.add(value);
            }
        });
        return found.stream().findFirst();
    }

    private List<String> deadLetterReasons() {
        List<String> reasons = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(TopicSnapshot.consumerProperties(system.clientProperties()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicSnapshot.partitionsOf(consumer, system.topics().deadLetter().name());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    Header reason = record.headers().lastHeader(DeadLetterHeaders.REASON);
                    if (reason != null) {
                        reasons.add(new String(reason.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return reasons;
    }

    private void produceRaw(String key, byte[] value) {
        try (var producer = new KafkaProducer<>(new HashMap<>(system.clientProperties()), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(system.topics().migrationRequests().name(), key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.vmigrate.center;

import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.audit.AuditChain;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CenterTopologySecurityTest {

    @TempDir
    Path dir;

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static TargetVmCreated targetCreated(String hostId) {
        return TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId(hostId)
                .setCreatedAt(CenterHarness.START).build();
    }

    /** Asserts one dead letter with one alert of {@code reason}, and that the workflow did not move. */
    private static void assertRefusedAsForgery(CenterHarness center, RefusalReason reason) throws Exception {
        center.drain();
        assertThat(center.deadLetters).hasSize(1);
        TestRecord<byte[], byte[]> dead = center.deadLetters.get(0);
        assertThat(header(dead.headers(), DeadLetterHeaders.REASON)).isEqualTo(reason.name());
        assertThat(header(dead.headers(), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("host.events");
        assertThat(center.alerts).hasSize(1);
        assertThat(center.alerts.get(0).getReason()).isEqualTo(reason);
        assertThat(center.alerts.get(0).getSourceTopic()).isEqualTo("host.events");
        assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.COMMANDED);
        assertThat(center.commands("h2")).as("no key delivered on a forged reply").isEmpty();
        center.deadLetters.clear();
        center.alerts.clear();
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void forgedRepliesAreDeadLetteredAlertedAndNeverActedOn(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            SimulatedHost h3 = center.enrolledHost("h3");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.commands("h1");
            center.commands("h2");

            // Signed by a key nobody enrolled, claiming to be the destination.
            SimulatedHost impostor = center.host("h2");
            center.reply(impostor, "m1", "vm1", 0, targetCreated("h2"));
            assertRefusedAsForgery(center, RefusalReason.UNKNOWN_SIGNER);

            // The source's real secure-zone key, in an envelope claiming to come from the destination.
            SignedEnvelope signedByH1 = h1.reply("m1", "vm1", 0, targetCreated("h1"));
            signedByH1.setHostId("h2");
            center.events.pipeInput("vm1", signedByH1);
            assertRefusedAsForgery(center, RefusalReason.UNKNOWN_SIGNER);

            // An enrolled host that is no party of the migration, and the source sending a destination reply.
            center.reply(h3, "m1", "vm1", 0, targetCreated("h3"));
            assertRefusedAsForgery(center, RefusalReason.WRONG_HOST);
            center.reply(h1, "m1", "vm1", 0, targetCreated("h1"));
            assertRefusedAsForgery(center, RefusalReason.WRONG_HOST);

            // The destination's own reply, tampered with after signing.
            SignedEnvelope tampered = h2.reply("m1", "vm1", 0, targetCreated("h2"));
            tampered.setBindingEpoch(7);
            center.events.pipeInput("vm1", tampered);
            assertRefusedAsForgery(center, RefusalReason.SIGNATURE_INVALID);

            // The genuine reply still moves the workflow.
            center.reply(h2, "m1", "vm1", 0, targetCreated("h2"));
            assertThat(center.onlyCommand("h2", DeliverVmKey.class).getBinding().getEpoch()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void duplicateAndReplayedRepliesAreActedOnOnce(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            SimulatedHost h2 = center.enrolledHost("h2");
            center.register("vm1", h1);
            center.request("m1", "vm1", "h1", "h2");
            center.commands("h1");
            var create = center.commands("h2").get(0).envelope();

            SignedEnvelope created = h2.reply("m1", "vm1", 0, targetCreated("h2"));
            center.events.pipeInput("vm1", created);
            center.events.pipeInput("vm1", created);
            center.reply(h2, "m1", "vm1", 0, targetCreated("h2"));
            DeliverVmKey delivery = center.onlyCommand("h2", DeliverVmKey.class);

            center.reply(h2, "m1", "vm1", 0, CommandRefused.newBuilder().setCommandMessageId(create.getMessageId())
                    .setCommandType(MessageType.CREATE_TARGET_VM).setMigrationId("m1").setVmId("vm1").setHostId("h2")
                    .setReason(RefusalReason.REPLAYED).setDetail("seen before").build());
            KeyInstallReply installed = KeyInstallReply.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId("h2")
                    .setOutcome(KeyInstallOutcome.INSTALLED).setKeyFingerprint(delivery.getBinding().getKeyFingerprint())
                    .setEpoch(1).build();
            center.reply(h2, "m1", "vm1", 1, installed);
            center.reply(h2, "m1", "vm1", 1, installed);

            assertThat(center.commands("h2")).isEmpty();
            assertThat(center.commands("h1")).isEmpty();
            assertThat(center.state("vm1").getStep()).isEqualTo(MigrationStep.KEY_INSTALLED);
            var trail = center.audit("m1");
            assertThat(trail).extracting(AuditRecord::getStep).containsExactly(MigrationStep.REQUESTED,
                    MigrationStep.COMMANDED, MigrationStep.TARGET_CREATED, MigrationStep.KEY_DELIVERED,
                    MigrationStep.KEY_DELIVERED, MigrationStep.KEY_DELIVERED, MigrationStep.KEY_DELIVERED,
                    MigrationStep.KEY_INSTALLED, MigrationStep.KEY_INSTALLED);
            assertThat(trail).filteredOn(r -> r.getDetail() != null && r.getDetail().startsWith("ignored")).hasSize(4);
            AuditChain.verify(trail, center.centerVerifier, CryptoSuites.get(suite).digest());
            assertThat(center.deadLetters).isEmpty();
        }
    }

    @Test
    void anUndecodableRecordIsDeadLetteredWithItsOriginAndProcessingContinues() throws Exception {
        // TopologyTestDriver never commits the EOS transaction that holds only a record produced by the
        // deserialization handler (it is sent before any record is processed); on a broker it commits with
        // the next commit. So this test runs the real handler at-least-once.
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir,
                Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE))) {
            byte[] garbage = "definitely not avro".getBytes(StandardCharsets.UTF_8);
            center.rawEvents.pipeInput("vm1".getBytes(StandardCharsets.UTF_8), garbage);
            SimulatedHost h1 = center.enrolledHost("h1");
            center.register("vm1", h1);
            center.drain();
            assertThat(center.deadLetters).hasSize(1);
            TestRecord<byte[], byte[]> dead = center.deadLetters.get(0);
            assertThat(dead.value()).isEqualTo(garbage);
            assertThat(dead.key()).isEqualTo("vm1".getBytes(StandardCharsets.UTF_8));
            assertThat(header(dead.headers(), DeadLetterHeaders.REASON)).isEqualTo("MALFORMED");
            assertThat(header(dead.headers(), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("host.events");
            assertThat(header(dead.headers(), DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(dead.headers(), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("0");
            assertThat(header(dead.headers(), DeadLetterHeaders.COMPONENT)).isEqualTo("center");
            assertThat(center.binding("vm1").getBinding().getEpoch()).as("later records still processed").isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void enrollmentNeedsProofIsIdempotentAndNeverReplacesKeys(Suite suite) throws Exception {
        try (CenterHarness center = new CenterHarness(suite, dir)) {
            SimulatedHost h1 = center.host("h1");
            var forged = h1.enrollment(center.clock.instant());
            forged.setProof(ByteBuffer.wrap(center.host("h1").enrollment(center.clock.instant()).getProof().array()));
            center.enrollments.pipeInput("h1", forged);
            center.drain();
            assertThat(center.registryTopic.readValuesToList()).isEmpty();
            assertThat(center.alerts).extracting(a -> a.getReason()).containsExactly(RefusalReason.SIGNATURE_INVALID);
            assertThat(center.deadLetters).hasSize(1);

            center.enrollments.pipeInput("h1", h1.enrollment(center.clock.instant()));
            var entries = center.registryTopic.readValuesToList();
            assertThat(entries).hasSize(1);
            assertThat(TrustRegistryEntries.isSignedBy(entries.get(0), center.centerVerifier)).isTrue();
            assertThat(entries.get(0).getHost().getCommandTopic()).isEqualTo("host.h1.commands");

            center.enrollments.pipeInput("h1", h1.enrollment(center.clock.instant()));
            assertThat(center.registryTopic.readValuesToList()).as("same keys: idempotent").isEmpty();

            center.enrollments.pipeInput("h1", center.host("h1").enrollment(center.clock.instant()));
            assertThat(center.registryTopic.readValuesToList()).as("other keys: refused").isEmpty();
            center.drain();
            assertThat(center.alerts).extracting(a -> a.getReason())
                    .containsExactly(RefusalReason.SIGNATURE_INVALID, RefusalReason.BINDING_MISMATCH);
        }
    }

    @Test
    void aRegistryEntryNotSignedByTheCenterEnrollsNobody() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost rogue = center.host("h1");
            var rogueCenter = CryptoSuites.get(Suite.INTL).generateSigningKey();
            var enrollment = io.vmigrate.schema.registry.HostEnrollment.newBuilder().setHostId("h1")
                    .setSecureZoneSigningKey(io.vmigrate.schema.keys.PublicKeyRecords.toRecord(rogue.secureZoneSigningKey.publicKey()))
                    .setSecureZoneEncapsulationKey(io.vmigrate.schema.keys.PublicKeyRecords.toRecord(rogue.encapsulationKey.publicKey()))
                    .setAgentKey(io.vmigrate.schema.keys.PublicKeyRecords.toRecord(rogue.agentKey.publicKey()))
                    .setCommandTopic("host.h1.commands").build();
            var entry = TrustRegistryEntries.host(enrollment, center.clock.instant(),
                    CryptoSuites.get(Suite.INTL).signer(rogueCenter));
            var registry = center.topics.trustRegistry();
            center.driver.createInputTopic(registry.name(), registry.keySerde().serializer(), registry.valueSerde().serializer())
                    .pipeInput(entry.getEntryId(), entry);
            assertThat(center.driver.getKeyValueStore(CenterTopology.TRUST_REGISTRY_STORE).get("host:h1")).isNull();
            center.registrations.pipeInput("vm1", rogue.registration("vm1"));
            assertThat(center.commands("h1")).as("no key for a host the center never enrolled").isEmpty();
            center.drain();
            assertThat(center.alerts).extracting(a -> a.getReason()).containsExactly(RefusalReason.UNKNOWN_SIGNER);
        }
    }
}

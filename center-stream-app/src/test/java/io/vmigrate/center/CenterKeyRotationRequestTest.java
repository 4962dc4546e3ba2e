package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeOpener;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.operator.CenterKeyRotationRequests;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotating the center key on an operator request: only an ADMIN's verified request reaches the rotation
 * trigger; and a host approved after rotations is told every one of them before any other command.
 */
class CenterKeyRotationRequestTest {

    @TempDir
    Path dir;

    @Test
    void onlyAnAdminsSignedRequestReachesTheRotationTopic() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            var raw = center.driver.createInputTopic(Topics.HOST_APPROVALS, new StringSerializer(), new ByteArraySerializer());
            var rotations = center.driver.createOutputTopic(Topics.CENTER_KEY_ROTATIONS, new StringDeserializer(),
                    new ByteArrayDeserializer());
            String subject = CenterKeyRotationRequests.SUBJECT;

            center.approvals.pipeInput(subject, center.operator.sign(CenterKeyRotationRequests.body()));
            center.approvals.pipeInput(subject, center.auditor.sign(CenterKeyRotationRequests.body()));
            raw.pipeInput(subject, SingleObjectCodec.of(io.vmigrate.schema.request.CenterKeyRotationRequested.class)
                    .encode(CenterKeyRotationRequests.body()));
            assertThat(rotations.readRecordsToList()).as("an operator's, an auditor's or an unsigned request").isEmpty();
            center.drain();
            assertThat(center.deadLetters).extracting(d -> RefusalReason.valueOf(new String(
                    d.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8)))
                    .containsExactly(RefusalReason.NOT_AUTHORIZED, RefusalReason.NOT_AUTHORIZED, RefusalReason.MALFORMED);
            assertThat(center.alerts).extracting(a -> a.getReason())
                    .containsExactly(RefusalReason.NOT_AUTHORIZED, RefusalReason.NOT_AUTHORIZED, RefusalReason.MALFORMED);

            OperatorRequest signed = center.admin.sign(CenterKeyRotationRequests.body());
            center.approvals.pipeInput(subject, signed);
            var passed = rotations.readRecordsToList();
            assertThat(passed).singleElement().satisfies(record -> {
                assertThat(record.key()).isEqualTo(subject);
                OperatorRequest forwarded = center.topics.centerKeyRotations().valueSerde().deserializer()
                        .deserialize(Topics.CENTER_KEY_ROTATIONS, record.value());
                assertThat(forwarded).as("as the admin signed it").isEqualTo(signed);
            });
            assertThat(center.vault.rotations()).as("the topology itself never rotates").isEmpty();
        }
    }

    @Test
    void aHostApprovedAfterRotationsIsToldEveryRotationBeforeAnyCommand() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.GM, dir)) {
            var h1 = center.enrolledHost("h1");
            center.register("vm1", h1);
            assertThat(center.commands("h1")).as("no rotation yet: nothing announced").isEmpty();
            String first = center.vault.signingPublicKey().keyId().toString();
            CenterKeyRotation one = center.vault.rotate(center.clock.instant(), Duration.ofHours(1));
            center.vault.activate(one);
            CenterKeyRotation two = center.vault.rotate(center.clock.instant(), Duration.ofHours(1));
            center.vault.activate(two);

            var h9 = center.pendingHost("h9");
            center.approve(h9);
            center.request("m1", "vm1", "h1", "h9");

            List<SignedEnvelope> commands = center.driver.createOutputTopic(Topics.hostCommandsTopicName("h9"),
                    new StringDeserializer(), center.topics.hostCommands("h9").valueSerde().deserializer()).readValuesToList();
            assertThat(commands).extracting(SignedEnvelope::getMessageType)
                    .containsExactly(MessageType.ROTATE_CENTER_KEY, MessageType.ROTATE_CENTER_KEY, MessageType.CREATE_TARGET_VM);
            assertThat(commands).extracting(SignedEnvelope::getSignerKeyId)
                    .containsExactly(first, one.getNewKey().getKeyId(), two.getNewKey().getKeyId());
            EnvelopeOpener opener = new EnvelopeOpener(center.vault::verifierOf, center.clock, Duration.ZERO);
            assertThat(opener.open(commands.get(0)).body(CenterKeyRotation.class)).isEqualTo(one);
            assertThat(opener.open(commands.get(1)).body(CenterKeyRotation.class)).isEqualTo(two);
            assertThat(opener.open(commands.get(2)).body(CreateTargetVm.class).getMigrationId()).isEqualTo("m1");
            assertThat(CryptoSuites.get(Suite.GM).verifier(center.vault.centerPublicKey()).keyId().toString()).isEqualTo(first);
        }
    }
}

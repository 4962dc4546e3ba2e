package io.vmigrate.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.host.HandlingResult.Kind;
import io.vmigrate.host.hypervisor.VmState;
import io.vmigrate.host.testing.CommandFeed;
import io.vmigrate.host.testing.RecordingPublisher.DeadLetter;
import io.vmigrate.host.testing.TestHost;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeLimits;
import io.vmigrate.schema.envelope.EnvelopeSigningInput;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.testing.TestCenter;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records a host's command topic may carry that no center sent, or that do not hold together: each is
 * set aside once with its reason (the offset may move on), nothing is acted on, no signed answer names
 * the migration it claims, and the agent handles the next real command as usual.
 */
class CommandHandlerPoisonTest {

    private static final String TOPIC = "host.h2.commands";
    private static final String VM = "vm-1";
    private static final String MIGRATION = "m-1";

    @TempDir
    Path dir;

    private CommandFeed center;
    private TestHost host;

    @BeforeEach
    void host() throws Exception {
        center = new CommandFeed(CryptoSuites.get(Suite.INTL));
        host = new TestHost("h2", center.crypto(), dir.resolve("hypervisor"), dir.resolve("h2"), center.publicKey());
    }

    @AfterEach
    void close() throws Exception {
        host.close();
    }

    private CommandRecord at(long offset, byte[] value) {
        return new CommandRecord(TOPIC, 0, offset, null, value);
    }

    /** The same envelope, its signature made again by the center: validly signed, whatever was changed. */
    private SignedEnvelope resigned(SignedEnvelope envelope) {
        envelope.setSignature(ByteBuffer.allocate(0));
        byte[] signature = center.crypto().signer(center.key())
                .sign(EnvelopeSigningInput.of(envelope), EnvelopeSigningInput.contextOf(envelope)).toBytes();
        envelope.setSignature(ByteBuffer.wrap(signature));
        return envelope;
    }

    private void assertNothingAnsweredOrActedOn() throws Exception {
        assertThat(host.published.replies).as("no signed answer").isEmpty();
        assertThat(host.processed.size()).as("nothing remembered").isZero();
        assertThat(host.hypervisor.state(VM)).isEqualTo(VmState.ABSENT);
    }

    /** The agent still carries out a real command afterwards. */
    private void aRealCommandIsStillCarriedOut() throws Exception {
        host.published.clear();
        HandlingResult created = host.handler.handle(center.record("h2", center.createTarget(MIGRATION, VM, "h2", "h1", 0)));
        assertThat(created.kind()).isEqualTo(Kind.CARRIED_OUT);
        assertThat(host.hypervisor.state(VM)).isEqualTo(VmState.PAUSED_AWAITING_STATE);
    }

    @Test
    void anAbortWhoseBodyDoesNotDecodeIsNotDecodedByTheAgentAndGetsNoSignedAnswer() throws Exception {
        SignedEnvelope unsigned = center.abort(MIGRATION, VM, "h2", HostRole.DESTINATION, 0);
        unsigned.setBody(ByteBuffer.wrap("not an AbortMigration".getBytes(StandardCharsets.UTF_8)));
        SignedEnvelope signed = resigned(center.abort("m-2", VM, "h2", HostRole.DESTINATION, 0));
        signed.setBody(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 9, 9}));
        resigned(signed);

        HandlingResult forged = host.handler.handle(at(0, TestCenter.encode(unsigned)));
        HandlingResult undecodable = host.handler.handle(at(1, TestCenter.encode(signed)));

        assertThat(forged.kind()).isEqualTo(Kind.NOT_ADMITTED);
        assertThat(undecodable.kind()).isEqualTo(Kind.NOT_ADMITTED);
        assertThat(host.published.deadLetters).extracting(DeadLetter::reason)
                .containsExactly(RefusalReason.SIGNATURE_INVALID, RefusalReason.MALFORMED);
        assertThat(host.published.deadLetters).extracting(dead -> dead.record().offset()).containsExactly(0L, 1L);
        assertThat(host.published.alerts).extracting(alert -> alert.getReason())
                .containsExactly(RefusalReason.SIGNATURE_INVALID, RefusalReason.MALFORMED);
        assertThat(host.published.alerts).allSatisfy(alert -> assertThat(alert.getSourceTopic()).isEqualTo(TOPIC));
        assertNothingAnsweredOrActedOn();
        aRealCommandIsStillCarriedOut();
    }

    @Test
    void aMessageIdOverTheBoundIsDeadLetteredBeforeItIsStoredOrLogged() throws Exception {
        SignedEnvelope huge = center.createTarget(MIGRATION, VM, "h2", "h1", 0);
        huge.setMessageId("m".repeat(70_000));

        HandlingResult result = host.handler.handle(at(0, TestCenter.encode(huge)));

        assertThat(result.kind()).isEqualTo(Kind.DEAD_LETTERED);
        assertThat(host.published.deadLetters).singleElement().satisfies(dead -> {
            assertThat(dead.reason()).isEqualTo(RefusalReason.MALFORMED);
            assertThat(dead.detail()).contains("messageId").hasSizeLessThan(200);
        });
        assertNothingAnsweredOrActedOn();
        aRealCommandIsStillCarriedOut();
    }

    @Test
    void aValidlySignedCommandWithAnOversizeIdentifierIsDeadLetteredBeforeTheZoneIsAsked() throws Exception {
        String oversize = "v".repeat(EnvelopeLimits.MAX_ID_BYTES + 1);
        SignedEnvelope longVm = center.createTarget(MIGRATION, oversize, "h2", "h1", 0);
        SignedEnvelope longSigner = center.createTarget(MIGRATION, VM, "h2", "h1", 0);
        longSigner.setSignerKeyId(oversize);

        assertThat(host.handler.handle(at(0, TestCenter.encode(longVm))).kind()).isEqualTo(Kind.DEAD_LETTERED);
        assertThat(host.handler.handle(at(1, TestCenter.encode(longSigner))).kind()).isEqualTo(Kind.DEAD_LETTERED);

        assertThat(host.published.deadLetters).extracting(DeadLetter::detail)
                .satisfiesExactly(detail -> assertThat(detail).contains("vmId"),
                        detail -> assertThat(detail).contains("signerKeyId"));
        assertThat(host.published.alerts).isEmpty();
        assertNothingAnsweredOrActedOn();
        aRealCommandIsStillCarriedOut();
    }

    @Test
    void randomBytesTruncatedEnvelopesTombstonesAndRepliesAreDeadLettered() throws Exception {
        byte[] real = TestCenter.encode(center.createTarget(MIGRATION, VM, "h2", "h1", 0));
        byte[] random = new byte[512];
        new Random(8).nextBytes(random);
        byte[] reply = TestCenter.encode(center.seal(MIGRATION, VM, "h2", 0,
                io.vmigrate.schema.reply.TargetVmCreated.newBuilder().setMigrationId(MIGRATION).setVmId(VM)
                        .setHostId("h2").setCreatedAt(java.time.Instant.now()).build()));

        long offset = 0;
        for (byte[] value : new byte[][] {random, Arrays.copyOf(real, real.length / 2), Arrays.copyOf(real, 3), null,
                new byte[0], reply, new byte[EnvelopeLimits.MAX_ENVELOPE_BYTES + 1]}) {
            assertThat(host.handler.handle(at(offset++, value)).kind()).as("record %d", offset - 1)
                    .isEqualTo(Kind.DEAD_LETTERED);
        }

        assertThat(host.published.deadLetters).hasSize(7)
                .allSatisfy(dead -> assertThat(dead.reason()).isEqualTo(RefusalReason.MALFORMED));
        assertNothingAnsweredOrActedOn();
        aRealCommandIsStillCarriedOut();
    }

    @Test
    void everyAdmissionRefusalIsDeadLetteredAndAlertedWithoutASignedRefusal() throws Exception {
        CommandFeed forger = new CommandFeed(center.crypto());
        SignedEnvelope tampered = center.createTarget("m-2", VM, "h2", "h1", 0);
        tampered.setBindingEpoch(7L);
        java.time.Instant past = java.time.Instant.now().minusSeconds(3600);
        SignedEnvelope expired = center.sealValidBetween("m-3", VM, "h2", 0, io.vmigrate.schema.command.CreateTargetVm
                .newBuilder().setMigrationId("m-3").setVmId(VM).setSourceHostId("h1").setDeadline(past).build(),
                past, past.plusSeconds(60));
        SignedEnvelope otherHost = center.createTarget("m-4", VM, "h9", "h1", 0);

        host.handler.handle(at(0, TestCenter.encode(forger.createTarget("m-1", VM, "h2", "h1", 0))));
        host.handler.handle(at(1, TestCenter.encode(tampered)));
        host.handler.handle(at(2, TestCenter.encode(expired)));
        host.handler.handle(at(3, TestCenter.encode(otherHost)));

        assertThat(host.published.deadLetters).extracting(DeadLetter::reason).containsExactly(
                RefusalReason.UNKNOWN_SIGNER, RefusalReason.SIGNATURE_INVALID, RefusalReason.EXPIRED,
                RefusalReason.WRONG_HOST);
        assertThat(host.published.alerts).hasSize(4);
        assertNothingAnsweredOrActedOn();
    }

    @Test
    void aForgedAttestationForAMigrationWithNothingReceivedGetsNoSignedRefusal() throws Exception {
        CommandFeed forger = new CommandFeed(center.crypto());
        SignedEnvelope forged = forger.forwardedAttestation(MIGRATION, VM, "h2", 0, new byte[] {1}, new byte[] {2});

        HandlingResult result = host.handler.handle(at(0, TestCenter.encode(forged)));

        assertThat(result.kind()).isEqualTo(Kind.NOT_ADMITTED);
        assertThat(host.published.replies).isEmpty();

        // The center's own attestation for a migration nothing arrived for is verified, then refused, signed.
        HandlingResult real = host.handler.handle(at(1, TestCenter.encode(
                center.forwardedAttestation(MIGRATION, VM, "h2", 0, new byte[] {1}, new byte[] {2}))));
        assertThat(real.kind()).isEqualTo(Kind.REFUSED);
        assertThat(host.published.replies).singleElement()
                .satisfies(reply -> assertThat(reply.envelope().getMessageType()).isEqualTo(MessageType.COMMAND_REFUSED));
    }
}

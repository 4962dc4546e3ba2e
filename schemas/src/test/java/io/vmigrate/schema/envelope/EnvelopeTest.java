package io.vmigrate.schema.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EnvelopeTest {

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Addressing TO_SOURCE = Addressing.of("m-1", "vm-1", "h1", 3);

    private static DeregisterVm deregister() {
        return DeregisterVm.newBuilder().setMigrationId("m-1").setVmId("vm-1").setEpoch(3)
                .setRetiredKeyFingerprint("00112233445566778899aabbccddeeff").build();
    }

    private static final class Center {
        final Signer signer;
        final Verifier verifier;

        Center(Suite suite) {
            CryptoSuite crypto = CryptoSuites.get(suite);
            var key = crypto.generateSigningKey();
            signer = crypto.signer(key);
            verifier = crypto.verifier(key.publicKey());
        }

        EnvelopeSealer sealer() {
            return new EnvelopeSealer(signer, CLOCK, Duration.ofMinutes(1));
        }

        EnvelopeOpener opener() {
            return new EnvelopeOpener(id -> id.equals(verifier.keyId().toString()) ? Optional.of(verifier) : Optional.empty(),
                    CLOCK, Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aSealedCommandOpensWithItsBodyAndHeader(Suite suite) throws Exception {
        Center center = new Center(suite);
        SignedEnvelope envelope = center.sealer().seal(TO_SOURCE, deregister());

        OpenedEnvelope opened = center.opener().open(envelope);

        assertThat(opened.body(DeregisterVm.class)).isEqualTo(deregister());
        assertThat(envelope.getMessageType()).isEqualTo(MessageType.DEREGISTER_VM);
        assertThat(envelope.getSignerKeyId()).isEqualTo(center.signer.keyId().toString());
        assertThat(envelope.getSuite().name()).isEqualTo(suite.name());
        assertThat(envelope.getExpiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(1)));
        assertThat(envelope.getBindingEpoch()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void flippingAnyByteOfTheEncodedEnvelopeIsRefused(Suite suite) {
        Center center = new Center(suite);
        var codec = SingleObjectCodec.of(SignedEnvelope.class);
        byte[] wire = codec.encode(center.sealer().seal(TO_SOURCE, deregister()));
        EnvelopeOpener opener = center.opener();

        for (int i = 0; i < wire.length; i++) {
            byte[] tampered = wire.clone();
            tampered[i] ^= 0x01;
            int index = i;
            assertThatThrownBy(() -> opener.open(codec.decode(tampered)))
                    .as("byte %d of %d flipped", index, wire.length)
                    .isInstanceOfAny(EnvelopeRefusedException.class, SingleObjectCodec.CodecException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aSignatureFromAnotherKeyIsRefusedEvenUnderTheTrustedKeyId(Suite suite) {
        Center center = new Center(suite);
        Center forger = new Center(suite);
        SignedEnvelope forged = forger.sealer().seal(TO_SOURCE, deregister());

        assertThatThrownBy(() -> center.opener().open(forged))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RefusalReason.UNKNOWN_SIGNER));

        forged.setSignerKeyId(center.signer.keyId().toString());
        assertThatThrownBy(() -> center.opener().open(forged))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RefusalReason.SIGNATURE_INVALID);
                    assertThat(e.isSecurityRelevant()).isTrue();
                });
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void anEnvelopeRedirectedToAnotherHostOrMigrationIsRefused(Suite suite) {
        Center center = new Center(suite);
        SignedEnvelope toAnotherHost = center.sealer().seal(TO_SOURCE, deregister());
        toAnotherHost.setHostId("h2");
        assertThatThrownBy(() -> center.opener().open(toAnotherHost))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RefusalReason.SIGNATURE_INVALID));

        SignedEnvelope otherEpoch = center.sealer().seal(TO_SOURCE, deregister());
        otherEpoch.setBindingEpoch(4);
        assertThatThrownBy(() -> center.opener().open(otherEpoch)).isInstanceOf(EnvelopeRefusedException.class);
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void expiredAndFutureEnvelopesAreRefused(Suite suite) throws Exception {
        Center center = new Center(suite);
        SignedEnvelope envelope = center.sealer().seal(TO_SOURCE, deregister());
        EnvelopeOpener opener = center.opener();

        assertThat(opener.openAt(envelope, NOW.plusSeconds(60)).body()).isNotNull();
        assertThatThrownBy(() -> opener.openAt(envelope, NOW.plusSeconds(70)))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RefusalReason.EXPIRED));
        assertThatThrownBy(() -> opener.openAt(envelope, NOW.minusSeconds(10)))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RefusalReason.EXPIRED));
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aBodyNamingAnotherVmIsRefusedEvenWhenSigned(Suite suite) {
        Center center = new Center(suite);
        DeregisterVm otherVm = deregister();
        otherVm.setVmId("vm-2");
        SignedEnvelope envelope = center.sealer().seal(TO_SOURCE, otherVm);
        assertThatThrownBy(() -> center.opener().open(envelope))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RefusalReason.BINDING_MISMATCH));
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aReplyCannotBeDisguisedAsACommand(Suite suite) {
        Center center = new Center(suite);
        SignedEnvelope reply = center.sealer().seal(TO_SOURCE, VmDeregistered.newBuilder().setMigrationId("m-1")
                .setVmId("vm-1").setHostId("h1").setEpoch(3).setDestroyedKeyFingerprint("f")
                .setDeregisteredAt(NOW).build());
        reply.setDirection(io.vmigrate.schema.common.Direction.CENTER_TO_HOST);
        assertThatThrownBy(() -> center.opener().open(reply))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RefusalReason.MALFORMED));

        SignedEnvelope swappedBody = center.sealer().seal(TO_SOURCE, deregister());
        swappedBody.setBody(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
        assertThatThrownBy(() -> center.opener().open(swappedBody)).isInstanceOf(EnvelopeRefusedException.class);
    }
}

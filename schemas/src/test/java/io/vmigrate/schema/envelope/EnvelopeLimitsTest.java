package io.vmigrate.schema.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.common.RefusalReason;
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
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvelopeLimitsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
    private static final String OVERSIZE_ID = "x".repeat(EnvelopeLimits.MAX_ID_BYTES + 1);

    private final CryptoSuite crypto = CryptoSuites.get(Suite.values()[0]);
    private final Signer signer;
    private final Verifier verifier;

    EnvelopeLimitsTest() {
        var key = crypto.generateSigningKey();
        signer = crypto.signer(key);
        verifier = crypto.verifier(key.publicKey());
    }

    private SignedEnvelope sealed(String migrationId, String vmId) {
        DeregisterVm body = DeregisterVm.newBuilder().setMigrationId(migrationId).setVmId(vmId).setEpoch(3)
                .setRetiredKeyFingerprint("00112233445566778899aabbccddeeff").build();
        return new EnvelopeSealer(signer, CLOCK, Duration.ofMinutes(1)).seal(Addressing.of(migrationId, vmId, "h1", 3), body);
    }

    private EnvelopeOpener opener() {
        return new EnvelopeOpener(id -> Optional.of(verifier), CLOCK, Duration.ofSeconds(5));
    }

    static Stream<Arguments> oversizeFields() {
        return Stream.of(
                Arguments.of("messageId", (BiConsumer<SignedEnvelope, String>) SignedEnvelope::setMessageId),
                Arguments.of("hostId", (BiConsumer<SignedEnvelope, String>) SignedEnvelope::setHostId),
                Arguments.of("signerKeyId", (BiConsumer<SignedEnvelope, String>) SignedEnvelope::setSignerKeyId));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oversizeFields")
    void anOversizeIdentifierIsRefusedAsMalformedBeforeTheSignatureIsChecked(String field,
            BiConsumer<SignedEnvelope, String> set) {
        SignedEnvelope envelope = sealed("m-1", "vm-1");
        set.accept(envelope, OVERSIZE_ID);

        assertThatThrownBy(() -> opener().open(envelope))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RefusalReason.MALFORMED);
                    assertThat(e.getMessage()).contains(field).doesNotContain(OVERSIZE_ID);
                });
    }

    @Test
    void aSignedEnvelopeWithAnOversizeMigrationOrVmIdIsStillRefused() {
        assertThatThrownBy(() -> opener().open(sealed(OVERSIZE_ID, "vm-1")))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.getMessage()).contains("migrationId"));
        assertThatThrownBy(() -> opener().open(sealed("m-1", OVERSIZE_ID)))
                .isInstanceOfSatisfying(EnvelopeRefusedException.class,
                        e -> assertThat(e.getMessage()).contains("vmId"));
    }

    @Test
    void anIdentifierIsMeasuredInUtf8Bytes() {
        String twoByteChars = "é".repeat(EnvelopeLimits.MAX_ID_BYTES / 2);
        assertThat(EnvelopeLimits.idWithinBound(twoByteChars)).isTrue();
        assertThat(EnvelopeLimits.idWithinBound(twoByteChars + "é")).isFalse();
    }

    @Test
    void anOversizeBodyOrSignatureIsRefused() {
        SignedEnvelope bigBody = sealed("m-1", "vm-1");
        bigBody.setBody(ByteBuffer.allocate(EnvelopeLimits.MAX_BODY_BYTES + 1));
        assertThatThrownBy(() -> EnvelopeLimits.check(bigBody)).hasMessageContaining("body");

        SignedEnvelope bigSignature = sealed("m-1", "vm-1");
        bigSignature.setSignature(ByteBuffer.allocate(EnvelopeLimits.MAX_SIGNATURE_BYTES + 1));
        assertThatThrownBy(() -> EnvelopeLimits.check(bigSignature)).hasMessageContaining("signature");
    }

    @Test
    void anEncodedEnvelopeIsBoundedBeforeItIsDecoded() {
        assertThatCode(() -> EnvelopeLimits.checkEncodedSize(EnvelopeLimits.MAX_ENVELOPE_BYTES)).doesNotThrowAnyException();
        assertThatThrownBy(() -> EnvelopeLimits.checkEncodedSize(EnvelopeLimits.MAX_ENVELOPE_BYTES + 1))
                .isInstanceOf(EnvelopeRefusedException.class);
    }
}

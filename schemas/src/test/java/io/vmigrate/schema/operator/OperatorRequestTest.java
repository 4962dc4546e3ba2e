package io.vmigrate.schema.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.EnvelopeRefusedException;
import io.vmigrate.schema.request.AbortRequested;
import io.vmigrate.schema.request.HostApproval;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.request.OperatorRequestType;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OperatorRequestTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private record Identity(KnownOperator known, OperatorRequestSealer sealer) {
        static Identity of(Suite suite, String name, OperatorRole role) {
            CryptoSuite crypto = CryptoSuites.get(suite);
            PrivateKeyHandle key = crypto.generateSigningKey();
            return new Identity(new KnownOperator(name, role, key.publicKey()),
                    new OperatorRequestSealer(crypto.signer(key), CLOCK, Duration.ofMinutes(5)));
        }
    }

    private static MigrationRequested migrate() {
        return MigrationRequested.newBuilder().setMigrationId("m-1").setVmId("vm-1").setSourceHostId("h1")
                .setDestinationHostId("h2").setRequestedBy("typed by anyone").setRequestedAt(NOW).build();
    }

    private static OperatorRequestOpener openerKnowing(KnownOperator... operators) {
        return new OperatorRequestOpener(OperatorsFile.of(List.of(operators)), CLOCK, Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aSignedRequestOpensWithItsBodyAndTheVerifiedIdentity(Suite suite) throws Exception {
        Identity alice = Identity.of(suite, "alice", OperatorRole.OPERATOR);
        OperatorRequest request = alice.sealer().seal(migrate());

        VerifiedOperatorRequest opened = openerKnowing(alice.known()).open(request, "vm-1");

        assertThat(opened.type()).isEqualTo(OperatorRequestType.MIGRATION_REQUESTED);
        assertThat(opened.operator().name()).isEqualTo("alice");
        assertThat(opened.authorized()).isTrue();
        assertThat(opened.body(MigrationRequested.class).getDestinationHostId()).isEqualTo("h2");
    }

    @Test
    void anAuditorsRequestVerifiesButIsNotAuthorized() throws Exception {
        Identity audrey = Identity.of(Suite.INTL, "audrey", OperatorRole.AUDITOR);
        VerifiedOperatorRequest opened = openerKnowing(audrey.known()).open(audrey.sealer().seal(migrate()), "vm-1");
        assertThat(opened.authorized()).isFalse();
    }

    @Test
    void anUnknownKeyIsRefused() {
        Identity mallory = Identity.of(Suite.INTL, "mallory", OperatorRole.ADMIN);
        Identity alice = Identity.of(Suite.INTL, "alice", OperatorRole.OPERATOR);
        assertRefused(() -> openerKnowing(alice.known()).open(mallory.sealer().seal(migrate()), "vm-1"),
                RefusalReason.UNKNOWN_SIGNER);
    }

    @Test
    void aKeyClaimingAnotherOperatorsKeyIdIsRefused() {
        Identity alice = Identity.of(Suite.INTL, "alice", OperatorRole.OPERATOR);
        Identity mallory = Identity.of(Suite.INTL, "mallory", OperatorRole.OPERATOR);
        OperatorRequest forged = mallory.sealer().seal(migrate());
        forged.setOperatorKeyId(alice.known().keyId());
        assertRefused(() -> openerKnowing(alice.known()).open(forged, "vm-1"), RefusalReason.SIGNATURE_INVALID);
    }

    @Test
    void anAlteredBodyIsRefusedByItsSignatureBeforeItIsDecoded() {
        Identity alice = Identity.of(Suite.GM, "alice", OperatorRole.OPERATOR);
        OperatorRequest request = alice.sealer().seal(migrate());
        request.setBody(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertRefused(() -> openerKnowing(alice.known()).open(request, "vm-1"), RefusalReason.SIGNATURE_INVALID);
    }

    @Test
    void everyAlteredFieldBreaksTheSignature() {
        Identity alice = Identity.of(Suite.INTL, "alice", OperatorRole.OPERATOR);
        OperatorRequestOpener opener = openerKnowing(alice.known());
        List<java.util.function.Consumer<OperatorRequest>> tampering = List.of(
                r -> r.setRequestId("other"),
                r -> r.setRequestType(OperatorRequestType.ABORT_REQUESTED),
                r -> r.setIssuedAt(NOW.minusSeconds(1)),
                r -> r.setExpiresAt(NOW.plusSeconds(1)));
        for (var tamper : tampering) {
            OperatorRequest request = alice.sealer().seal(migrate());
            tamper.accept(request);
            assertRefused(() -> opener.open(request, "vm-1"), RefusalReason.SIGNATURE_INVALID);
        }
    }

    @Test
    void aRequestKeyedByAnotherSubjectIsRefused() {
        Identity alice = Identity.of(Suite.INTL, "alice", OperatorRole.OPERATOR);
        assertRefused(() -> openerKnowing(alice.known()).open(alice.sealer().seal(migrate()), "vm-2"),
                RefusalReason.BINDING_MISMATCH);
    }

    @Test
    void expiredFutureAndOverlongRequestsAreRefused() {
        Identity alice = Identity.of(Suite.INTL, "alice", OperatorRole.OPERATOR);
        OperatorRequestOpener opener = openerKnowing(alice.known());
        assertRefused(() -> opener.open(alice.sealer().seal("r1", migrate(), NOW.minusSeconds(600), NOW.minusSeconds(60)),
                "vm-1"), RefusalReason.EXPIRED);
        assertRefused(() -> opener.open(alice.sealer().seal("r2", migrate(), NOW.plusSeconds(600), NOW.plusSeconds(900)),
                "vm-1"), RefusalReason.EXPIRED);
        assertRefused(() -> opener.open(alice.sealer().seal("r3", migrate(), NOW, NOW.plus(Duration.ofDays(2))),
                "vm-1"), RefusalReason.MALFORMED);
    }

    @Test
    void oversizedIdentifiersAreRefusedBeforeAnyKeyLookup() {
        Identity alice = Identity.of(Suite.INTL, "alice", OperatorRole.OPERATOR);
        OperatorRequest request = alice.sealer().seal(migrate());
        request.setRequestId("x".repeat(OperatorRequestOpener.MAX_ID_CHARS + 1));
        assertRefused(() -> new OperatorRequestOpener(keyId -> {
            throw new AssertionError("looked up a key for an oversized request");
        }, CLOCK, Duration.ZERO).open(request, "vm-1"), RefusalReason.MALFORMED);
    }

    @Test
    void theSubjectIsTheVmOrTheHost() {
        Identity alice = Identity.of(Suite.INTL, "alice", OperatorRole.OPERATOR);
        assertThat(alice.sealer().seal(AbortRequested.newBuilder().setMigrationId("m-1").setVmId("vm-7").build())
                .getSubject()).isEqualTo("vm-7");
        assertThat(alice.sealer().seal(HostApproval.newBuilder().setHostId("h9").setFingerprint("ab").build())
                .getSubject()).isEqualTo("h9");
    }

    @Test
    void theOperatorsFileRoundTripsAndRefusesAMismatchedKeyId(@TempDir Path dir) throws Exception {
        Identity alice = Identity.of(Suite.GM, "alice", OperatorRole.OPERATOR);
        Identity audrey = Identity.of(Suite.GM, "audrey", OperatorRole.AUDITOR);
        Path file = dir.resolve("operators");
        OperatorsFile.write(file, List.of(alice.known(), audrey.known()));

        OperatorsFile read = OperatorsFile.read(file, Suite.GM);
        assertThat(read.byKeyId(audrey.known().keyId())).contains(audrey.known());
        assertThatThrownBy(() -> OperatorsFile.read(file, Suite.INTL)).hasMessageContaining("the center runs INTL");

        String line = OperatorsFile.line(alice.known());
        Files.writeString(file, line.replace(alice.known().keyId(), audrey.known().keyId()) + "\n");
        assertThatThrownBy(() -> OperatorsFile.read(file, Suite.GM)).hasMessageContaining("states key id");
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable open, RefusalReason reason) {
        assertThatThrownBy(open).isInstanceOf(EnvelopeRefusedException.class)
                .satisfies(e -> assertThat(((EnvelopeRefusedException) e).reason()).isEqualTo(reason));
    }
}

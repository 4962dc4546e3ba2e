package io.vmigrate.securezone;

import static io.vmigrate.securezone.SecureZoneSessionTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.registry.CenterKeyRotations;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.testing.TestCenter;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The zone's acceptance rules for a center key rotation, on a real zone over its socket: a chain of
 * statements from the pinned key is accepted and survives a restart; a statement signed by an
 * unpinned or expired key, an older one replayed, one without the new key's proof of possession, and
 * commands signed by the old key after the overlap are refused.
 */
class CenterKeyRotationZoneTest {

    private static final String HOST = ZoneFixture.HOST;
    /** Far beyond the zone's default clock skew (30 s), so "expired" and "valid" are not close calls. */
    private static final Duration LONG_AGO = Duration.ofHours(2);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aChainOfRotationsFromThePinnedKeyIsAcceptedAndKeptAcrossARestart(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            TestCenter k0 = zone.center;
            TestCenter k1 = new TestCenter(suite);
            TestCenter k2 = new TestCenter(suite);
            Instant now = Instant.now();
            // Rotation 1 keeps k0 valid for an hour: both keys sign during the overlap.
            assertOk(announce(zone, k0, k0, statement(1, k0, k1, now, now.plus(Duration.ofHours(1)))));
            assertOk(zone.client().openCommand(TestCenter.encode(k0.createTarget("m0", "vm0", HOST, 0))));
            assertOk(zone.client().openCommand(TestCenter.encode(k1.createTarget("m1", "vm1", HOST, 0))));
            // Rotation 2, announced by k1, ends k1's validity at once (an overlap already over); k0 is still in its own.
            assertOk(announce(zone, k1, k1, statement(2, k1, k2, now.minus(LONG_AGO.multipliedBy(2)), now.minus(LONG_AGO))));
            assertOk(zone.client().openCommand(TestCenter.encode(k2.createTarget("m2", "vm2", HOST, 0))));
            assertNotAdmitted(zone.client().openCommand(TestCenter.encode(k1.createTarget("m3", "vm3", HOST, 0))),
                    RefusalReason.UNKNOWN_SIGNER);

            zone.restart();
            try (var again = zone.newClient(zone.agentKey)) {
                assertOk(again.openCommand(TestCenter.encode(k2.createTarget("m4", "vm4", HOST, 0))));
                assertNotAdmitted(again.openCommand(TestCenter.encode(k1.createTarget("m5", "vm5", HOST, 0))),
                        RefusalReason.UNKNOWN_SIGNER);
                assertOk(again.openCommand(TestCenter.encode(k0.createTarget("m6", "vm6", HOST, 0))));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void afterTheOverlapCommandsSignedByTheOldKeyAreRefused(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            TestCenter k0 = zone.center;
            TestCenter k1 = new TestCenter(suite);
            Instant now = Instant.now();
            assertOk(announce(zone, k0, k0, statement(1, k0, k1, now.minus(LONG_AGO), now.minus(LONG_AGO))));
            assertNotAdmitted(zone.client().openCommand(TestCenter.encode(k0.createTarget("m1", "vm1", HOST, 0))),
                    RefusalReason.UNKNOWN_SIGNER);
            assertOk(zone.client().openCommand(TestCenter.encode(k1.createTarget("m2", "vm2", HOST, 0))));
            // The expired key cannot announce anything any more, not even a key of its own choosing.
            TestCenter k9 = new TestCenter(suite);
            assertNotAdmitted(announce(zone, k0, k0, statement(2, k0, k9, now, now)), RefusalReason.UNKNOWN_SIGNER);
            // Nor may the new key's envelope carry a statement of the expired key.
            assertCommandRefused(zone, announce(zone, k1, k0, statement(2, k0, k9, now, now)), RefusalReason.UNKNOWN_SIGNER);
            assertNotAdmitted(zone.client().openCommand(TestCenter.encode(k9.createTarget("m3", "vm3", HOST, 0))),
                    RefusalReason.UNKNOWN_SIGNER);
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aStatementOfAKeyTheZoneNeverPinnedIsRefused(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            TestCenter k0 = zone.center;
            TestCenter stranger = new TestCenter(suite);
            TestCenter k9 = new TestCenter(suite);
            Instant now = Instant.now();
            // Carried by a stranger's envelope: not even admitted.
            assertNotAdmitted(announce(zone, stranger, stranger, statement(1, stranger, k9, now, now)),
                    RefusalReason.UNKNOWN_SIGNER);
            // Carried by the pinned key's envelope, but the statement is the stranger's.
            assertCommandRefused(zone, announce(zone, k0, stranger, statement(1, stranger, k9, now, now)),
                    RefusalReason.UNKNOWN_SIGNER);
            // Signed by the pinned key but without the new key's proof of possession.
            CenterKeyRotation noProof = statement(1, k0, k9, now, now);
            noProof.setNewKeySignature(statement(1, k0, stranger, now, now).getNewKeySignature());
            assertCommandRefused(zone, announce(zone, k0, noProof), RefusalReason.SIGNATURE_INVALID);
            // A field changed after signing.
            CenterKeyRotation altered = statement(1, k0, k9, now, now.plus(Duration.ofHours(1)));
            altered.setOldKeyValidUntil(now.plus(Duration.ofDays(365)));
            assertCommandRefused(zone, announce(zone, k0, altered), RefusalReason.SIGNATURE_INVALID);
            assertNotAdmitted(zone.client().openCommand(TestCenter.encode(k9.createTarget("m1", "vm1", HOST, 0))),
                    RefusalReason.UNKNOWN_SIGNER);
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void anOlderStatementIsNotAcceptedAgainButTheLastOneMayBeRepeated(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            TestCenter k0 = zone.center;
            TestCenter k1 = new TestCenter(suite);
            TestCenter k2 = new TestCenter(suite);
            Instant now = Instant.now();
            CenterKeyRotation first = statement(1, k0, k1, now, now.plus(Duration.ofHours(1)));
            CenterKeyRotation second = statement(2, k1, k2, now, now.plus(Duration.ofHours(1)));
            assertOk(announce(zone, k0, first));
            assertOk(announce(zone, k1, second));
            assertOk(announce(zone, k1, second));
            assertCommandRefused(zone, announce(zone, k0, first), RefusalReason.REPLAYED);
            // A second statement 2 (another successor of k1) is no re-announcement either: the chain does not fork.
            assertCommandRefused(zone, announce(zone, k1, statement(2, k1, new TestCenter(suite), now, now)),
                    RefusalReason.REPLAYED);
            // A gap in the sequence is refused too.
            assertCommandRefused(zone, announce(zone, k2, statement(4, k2, new TestCenter(suite), now, now)),
                    RefusalReason.MALFORMED);
        }
    }

    // ---- helpers ----

    private static CenterKeyRotation statement(long sequence, TestCenter old, TestCenter next, Instant validFrom,
            Instant oldUntil) {
        return CenterKeyRotations.sign(sequence, old.crypto().signer(old.key()), next.crypto().signer(next.key()),
                next.publicKey(), validFrom, oldUntil);
    }

    private static SecureZoneResponse announce(ZoneFixture zone, TestCenter carrier, CenterKeyRotation statement)
            throws Exception {
        SignedEnvelope envelope = carrier.seal(CenterKeyRotations.PURPOSE + ":" + statement.getSequence(),
                CenterKeyRotations.ANNOUNCEMENT_VM_ID, HOST, 0, statement);
        assertThat(envelope.getMessageType()).isEqualTo(MessageType.ROTATE_CENTER_KEY);
        return zone.client().openCommand(TestCenter.encode(envelope));
    }

    /** {@code statementBy} only documents whose statement it is (the statement is signed already). */
    private static SecureZoneResponse announce(ZoneFixture zone, TestCenter carrier, TestCenter statementBy,
            CenterKeyRotation statement) throws Exception {
        assertThat(statement.getOldKeyId()).isEqualTo(statementBy.publicKey().keyId().toString());
        return announce(zone, carrier, statement);
    }

    private static void assertOk(SecureZoneResponse response) {
        assertThat(response.getOutcome()).as("%s", response.getDetail()).isEqualTo(SecureZoneOutcome.OK);
    }

    private static void assertNotAdmitted(SecureZoneResponse response, RefusalReason reason) {
        assertRefused(response, reason);
        assertThat(response.getSignedReply()).as("no signed reply for an unverified command").isNull();
    }

    private static void assertCommandRefused(ZoneFixture zone, SecureZoneResponse response, RefusalReason reason)
            throws Exception {
        assertRefused(response, reason);
        CommandRefused refused = zone.openReply(response).body(CommandRefused.class);
        assertThat(refused.getReason()).isEqualTo(reason);
        assertThat(refused.getMigrationId().toString()).startsWith(CenterKeyRotations.PURPOSE + ":");
    }
}

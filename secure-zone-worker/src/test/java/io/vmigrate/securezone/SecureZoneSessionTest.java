package io.vmigrate.securezone;

import io.vmigrate.schema.testing.TestCenter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.registry.EnrollmentProof;
import io.vmigrate.schema.securezone.GetIdentity;
import io.vmigrate.schema.securezone.SecureZoneIdentity;
import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.securezone.client.SecureZoneClient;
import io.vmigrate.securezone.client.SecureZoneUnavailableException;
import io.vmigrate.securezone.protocol.Frames;
import io.vmigrate.securezone.protocol.Operations;
import io.vmigrate.securezone.protocol.RelaySigningInput;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.Suite;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SecureZoneSessionTest {

    @TempDir
    Path dir;

    @Test
    void everyConnectionGetsAFreshChallengeNamingTheHost() throws Exception {
        try (var zone = ZoneFixture.started(dir, Suite.INTL);
                var first = RawZoneConnection.open(zone.socket());
                var second = RawZoneConnection.open(zone.socket())) {
            assertThat(first.challenge().getHostId()).isEqualTo(ZoneFixture.HOST);
            assertThat(first.challenge().getChallenge().remaining()).isEqualTo(32);
            assertThat(first.challenge().getChallenge()).isNotEqualTo(second.challenge().getChallenge());
            assertThat(first.challenge().getProvisioned()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void beforeProvisioningOnlyProvisionAndIdentityAreServed(Suite suite) throws Exception {
        try (var zone = ZoneFixture.started(dir, suite); SecureZoneClient unsigned = zone.newClient(null)) {
            SecureZoneResponse identity = unsigned.identity();
            assertThat(identity.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(identity.getIdentity().getHostId()).isEqualTo(ZoneFixture.HOST);
            assertThat(identity.getIdentity().getAgentKeyId()).isNull();
            assertThat(identity.getIdentity().getEnrollmentProof()).isNull();

            SecureZoneResponse command = unsigned.openCommand(TestCenter.encode(zone.center.migrateOut("m1", "vm1", ZoneFixture.HOST, 0)));
            assertRefused(command, RefusalReason.AGENT_NOT_AUTHENTICATED);
            assertThat(command.getSignedReply()).isNull();

            SecureZoneResponse provision = unsigned.provision(zone.agentRecord(), List.of(zone.center.publicKeyRecord()));
            assertThat(provision.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(provision.getIdentity().getAgentKeyId()).isEqualTo(zone.agentKey.keyId().toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void provisioningPinsOnceWithAProofOfPossession(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            SecureZoneIdentity identity = zone.identity();
            assertThat(identity.getAgentKeyId()).isEqualTo(zone.agentKey.keyId().toString());
            assertThat(identity.getCenterKeyIds()).containsExactly(zone.center.key().keyId().toString());
            var proof = SignatureBlob.parse(ByteBuffers.toArray(identity.getEnrollmentProof()));
            zone.crypto.verifier(PublicKeyRecords.fromRecord(identity.getSigningKey())).verify(proof,
                    EnrollmentProof.signingInput(ZoneFixture.HOST, identity.getSigningKey(), identity.getEncapsulationKey(),
                            zone.agentRecord()),
                    EnrollmentProof.context(ZoneFixture.HOST));

            SecureZoneResponse again = zone.client().provision(zone.agentRecord(), List.of(zone.center.publicKeyRecord()));
            assertThat(again.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(again.getIdentity().getSigningKey()).isEqualTo(identity.getSigningKey());

            PrivateKeyHandle otherAgent = zone.crypto.generateSigningKey();
            assertRefused(zone.client().provision(PublicKeyRecords.toRecord(otherAgent.publicKey()),
                    List.of(zone.center.publicKeyRecord())), RefusalReason.AGENT_NOT_AUTHENTICATED);
            assertRefused(zone.client().provision(zone.agentRecord(), List.of(new TestCenter(suite).publicKeyRecord())),
                    RefusalReason.AGENT_NOT_AUTHENTICATED);
            assertThat(zone.identity().getAgentKeyId()).isEqualTo(zone.agentKey.keyId().toString());
            try (var fresh = RawZoneConnection.open(zone.socket())) {
                assertThat(fresh.challenge().getProvisioned()).isTrue();
            }
        }
    }

    @Test
    void aSignedFirstProvisionMustBeSignedByTheKeyItPins() throws Exception {
        try (var zone = ZoneFixture.started(dir, Suite.GM)) {
            PrivateKeyHandle impostor = zone.crypto.generateSigningKey();
            try (SecureZoneClient client = zone.newClient(impostor)) {
                assertRefused(client.provision(zone.agentRecord(), List.of(zone.center.publicKeyRecord())),
                        RefusalReason.AGENT_NOT_AUTHENTICATED);
                assertThat(client.challenge().getProvisioned()).isFalse();
            }
        }
    }

    @Test
    void provisionRefusesKeysOfAnotherSuite() throws Exception {
        try (var zone = ZoneFixture.started(dir, Suite.GM)) {
            var intlAgent = new TestCenter(Suite.INTL).publicKeyRecord();
            assertRefused(zone.client().provision(intlAgent, List.of(zone.center.publicKeyRecord())), RefusalReason.MALFORMED);
            assertRefused(zone.client().provision(zone.agentRecord(), List.of()), RefusalReason.MALFORMED);
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void afterProvisioningEveryRequestMustBeSignedByThePinnedAgentKey(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite);
                SecureZoneClient unsigned = zone.newClient(null);
                SecureZoneClient wrongKey = zone.newClient(zone.crypto.generateSigningKey())) {
            assertRefused(unsigned.identity(), RefusalReason.AGENT_NOT_AUTHENTICATED);
            assertThat(unsigned.identity().getIdentity()).isNull();
            assertRefused(wrongKey.identity(), RefusalReason.AGENT_NOT_AUTHENTICATED);
            SecureZoneResponse refusedCommand = wrongKey.openCommand(TestCenter.encode(zone.center.createTarget("m1", "vm1", ZoneFixture.HOST, 0)));
            assertRefused(refusedCommand, RefusalReason.AGENT_NOT_AUTHENTICATED);
            assertThat(refusedCommand.getSignedReply()).isNull();
            // Nothing was recorded for the refused command: the real agent still gets it verified.
            assertThat(zone.client().identity().getOutcome()).isEqualTo(SecureZoneOutcome.OK);
        }
    }

    @Test
    void aSequenceOutOfOrderIsRefusedAndEndsTheConnection() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL); var connection = RawZoneConnection.open(zone.socket())) {
            SecureZoneResponse response = connection.exchange(signedIdentityRequest(zone, connection, 2));
            assertRefused(response, RefusalReason.AGENT_NOT_AUTHENTICATED);
            assertThat(response.getSequence()).isEqualTo(2);
            assertThatThrownBy(connection::readResponse).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void sequencesMustIncreaseByOne() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL); var connection = RawZoneConnection.open(zone.socket())) {
            assertThat(connection.exchange(signedIdentityRequest(zone, connection, 1)).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(connection.exchange(signedIdentityRequest(zone, connection, 2)).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertRefused(connection.exchange(signedIdentityRequest(zone, connection, 2)), RefusalReason.AGENT_NOT_AUTHENTICATED);
            assertThatThrownBy(connection::readResponse).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void aSignatureOverAnotherConnectionsChallengeIsRefused() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.GM);
                var previous = RawZoneConnection.open(zone.socket());
                var current = RawZoneConnection.open(zone.socket())) {
            SecureZoneRequest replayed = signedIdentityRequest(zone, previous, 1);
            assertRefused(current.exchange(replayed), RefusalReason.AGENT_NOT_AUTHENTICATED);
            assertThat(previous.exchange(replayed).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
        }
    }

    @Test
    void theOperationTypeMustNameTheRecordCarried() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL); var connection = RawZoneConnection.open(zone.socket())) {
            byte[] operation = Operations.encode(GetIdentity.newBuilder().build());
            SecureZoneRequest request = signed(zone, connection, 1, SecureZoneOperationType.OPEN_COMMAND, operation);
            assertRefused(connection.exchange(request), RefusalReason.MALFORMED);
        }
    }

    @Test
    void anOversizeOrUndecodableFrameEndsTheConnection() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL)) {
            try (var connection = RawZoneConnection.open(zone.socket())) {
                connection.writeUnframed(ByteBuffer.allocate(4).putInt(Frames.MAX_FRAME_BYTES + 1).array());
                assertThatThrownBy(connection::readResponse).isInstanceOf(EOFException.class);
            }
            try (var connection = RawZoneConnection.open(zone.socket())) {
                assertThatThrownBy(() -> connection.exchangeRaw(new byte[] {1, 2, 3})).isInstanceOf(EOFException.class);
            }
            assertThat(zone.client().identity().getOutcome()).isEqualTo(SecureZoneOutcome.OK);
        }
    }

    @Test
    void theClientReportsALostConnectionThenReconnects() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL)) {
            SecureZoneClient client = zone.client();
            byte[] firstChallenge = ByteBuffers.toArray(client.challenge().getChallenge());
            zone.restart();
            assertThatThrownBy(client::identity).isInstanceOf(SecureZoneUnavailableException.class);
            assertThat(client.identity().getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(ByteBuffers.toArray(client.challenge().getChallenge())).isNotEqualTo(firstChallenge);
        }
    }

    @Test
    void theClientRefusesASocketOfAnotherHost() throws Exception {
        try (var zone = ZoneFixture.started(dir, Suite.INTL)) {
            assertThatThrownBy(() -> SecureZoneClient.connect(zone.socket(), "host-b", zone.crypto.signer(zone.agentKey),
                    zone.crypto)).isInstanceOf(IOException.class).hasMessageContaining("host-a");
        }
    }

    @Test
    void noZoneListeningIsReportedAsUnavailable() {
        assertThatThrownBy(() -> SecureZoneClient.connect(dir.resolve("none.sock"), "host-a", null,
                io.vmigrate.trust.CryptoSuites.get(Suite.INTL))).isInstanceOf(SecureZoneUnavailableException.class);
    }

    private static SecureZoneRequest signedIdentityRequest(ZoneFixture zone, RawZoneConnection connection, long sequence) {
        return signed(zone, connection, sequence, SecureZoneOperationType.GET_IDENTITY,
                Operations.encode(GetIdentity.newBuilder().build()));
    }

    private static SecureZoneRequest signed(ZoneFixture zone, RawZoneConnection connection, long sequence,
            SecureZoneOperationType type, byte[] operation) {
        byte[] challenge = ByteBuffers.toArray(connection.challenge().getChallenge());
        byte[] signature = zone.crypto.signer(zone.agentKey).sign(
                RelaySigningInput.of(challenge, sequence, operation, zone.crypto.digest()),
                RelaySigningInput.context(ZoneFixture.HOST)).toBytes();
        return SecureZoneRequest.newBuilder().setSequence(sequence).setOperationType(type)
                .setOperation(ByteBuffer.wrap(operation)).setAgentSignature(ByteBuffer.wrap(signature)).build();
    }

    static void assertRefused(SecureZoneResponse response, RefusalReason reason) {
        assertThat(response.getOutcome()).as("outcome of %s", response).isEqualTo(SecureZoneOutcome.REFUSED);
        assertThat(response.getReason()).as("reason of %s", response.getDetail()).isEqualTo(reason);
    }
}

package io.vmigrate.securezone;

import io.vmigrate.schema.testing.TestCenter;
import static io.vmigrate.securezone.SecureZoneSessionTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.envelope.OpenedEnvelope;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.keys.PublicKeyRecords;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallOutcome;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.securezone.SecureZoneOutcome;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.serde.ByteBuffers;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SecureZoneCommandsTest {

    private static final String HOST = ZoneFixture.HOST;
    private static final byte[] DESCRIPTION = {1, 2, 3};
    private static final byte[] IMAGE = {4, 5, 6};

    @TempDir
    Path dir;

    // ---- happy paths ----

    @ParameterizedTest
    @EnumSource(Suite.class)
    void destinationInstallsTheKeyChecksTheAttestationAndReportsCompletion(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            var client = zone.client();
            SecureZoneResponse opened = client.openCommand(TestCenter.encode(zone.center.createTarget("m1", "vm1", HOST, 0)));
            assertThat(opened.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(opened.getVerifiedCommand().getMessageType()).isEqualTo(MessageType.CREATE_TARGET_VM);
            assertThat(opened.getVerifiedCommand().getMigrationId()).isEqualTo("m1");
            assertThat(opened.getSignedReply()).isNull();

            TargetVmCreated created = TargetVmCreated.newBuilder().setMigrationId("m1").setVmId("vm1").setHostId(HOST)
                    .setCreatedAt(Instant.now()).build();
            SecureZoneResponse signed = client.signReply(MessageType.TARGET_VM_CREATED,
                    SingleObjectCodec.of(TargetVmCreated.class).encode(created), 0);
            assertThat(signed.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            OpenedEnvelope createdReply = zone.openReply(signed);
            assertThat(createdReply.body(TargetVmCreated.class).getVmId()).isEqualTo("vm1");
            assertThat(createdReply.envelope().getHostId()).isEqualTo(HOST);
            assertThat(client.signReply(MessageType.TARGET_VM_CREATED, SingleObjectCodec.of(TargetVmCreated.class).encode(created), 0)
                    .getSignedReply()).as("asked twice, signed once").isEqualTo(signed.getSignedReply());

            PrivateKeyHandle vmKey = zone.crypto.generateSigningKey();
            SecureZoneResponse installed = client.installVmKey(
                    TestCenter.encode(zone.center.deliverVmKey("m1", "vm1", HOST, 1, vmKey, zone.encapsulationKey())));
            assertThat(installed.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            KeyInstallReply install = zone.openReply(installed).body(KeyInstallReply.class);
            assertThat(install.getOutcome()).isEqualTo(KeyInstallOutcome.INSTALLED);
            assertThat(install.getKeyFingerprint()).isEqualTo(vmKey.keyId().toString());
            assertThat(install.getEpoch()).isEqualTo(1);

            assertRefused(client.reportCompletion("m1", "vm1"), RefusalReason.ATTESTATION_MISMATCH);
            SecureZoneResponse checked = client.checkAttestation(
                    TestCenter.encode(zone.center.forwardedAttestation("m1", "vm1", HOST, 0, DESCRIPTION, IMAGE)), DESCRIPTION, IMAGE);
            assertThat(checked.getOutcome()).isEqualTo(SecureZoneOutcome.OK);

            SecureZoneResponse completed = client.reportCompletion("m1", "vm1");
            assertThat(completed.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            MigrationCompleted completion = zone.openReply(completed).body(MigrationCompleted.class);
            assertThat(completion.getKeyFingerprint()).isEqualTo(vmKey.keyId().toString());
            assertThat(completion.getEpoch()).isEqualTo(1);
            assertThat(completion.getHostId()).isEqualTo(HOST);
            assertThat(client.reportCompletion("m1", "vm1").getSignedReply()).as("asked twice, signed once")
                    .isEqualTo(completed.getSignedReply());

            List<PrivateKeyHandle> stored = UnsealedVmKeys.open(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray());
            assertThat(stored).hasSize(1);
            assertThat(stored.get(0).exportPkcs8(SecretKeyAccess.insecureSecretAccess()).toByteArray(SecretKeyAccess.insecureSecretAccess()))
                    .isEqualTo(vmKey.exportPkcs8(SecretKeyAccess.insecureSecretAccess()).toByteArray(SecretKeyAccess.insecureSecretAccess()));
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).singleElement()
                    .satisfies(key -> {
                        assertThat(key.vmId()).isEqualTo("vm1");
                        assertThat(key.epoch()).isEqualTo(1);
                        assertThat(key.migrationId()).isEqualTo("m1");
                        assertThat(key.keyFingerprint()).isEqualTo(vmKey.keyId().toString());
                    });
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void sourceVerifiesMigrateOutAttestsAndDestroysTheKeyOnDeregister(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            var client = zone.client();
            PrivateKeyHandle vmKey = installRegistrationKey(zone, "vm1");

            assertRefused(client.attestVm("m1", "vm1", DESCRIPTION, IMAGE), RefusalReason.BINDING_MISMATCH);
            SecureZoneResponse out = client.openCommand(TestCenter.encode(zone.center.migrateOut("m1", "vm1", HOST, 0)));
            assertThat(out.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(out.getVerifiedCommand().getMessageType()).isEqualTo(MessageType.MIGRATE_OUT);

            SecureZoneResponse attested = client.attestVm("m1", "vm1", DESCRIPTION, IMAGE);
            assertThat(attested.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            VmAttestation attestation = zone.openReply(attested).body(VmAttestation.class);
            assertThat(ByteBuffers.toArray(attestation.getDescriptionDigest())).isEqualTo(DESCRIPTION);
            assertThat(ByteBuffers.toArray(attestation.getImageManifestDigest())).isEqualTo(IMAGE);
            assertThat(client.attestVm("m1", "vm1", DESCRIPTION, IMAGE).getSignedReply()).as("asked twice, signed once")
                    .isEqualTo(attested.getSignedReply());

            SecureZoneResponse deregistered = client.deregister(
                    TestCenter.encode(zone.center.deregister("m1", "vm1", HOST, 1, vmKey.keyId().toString())));
            assertThat(deregistered.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            VmDeregistered body = zone.openReply(deregistered).body(VmDeregistered.class);
            assertThat(body.getDestroyedKeyFingerprint()).isEqualTo(vmKey.keyId().toString());
            assertThat(body.getEpoch()).isEqualTo(1);
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aRepeatedCommandAnswersDuplicateWithTheSameReplyAndActsOnce(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            PrivateKeyHandle vmKey = zone.crypto.generateSigningKey();
            byte[] delivery = TestCenter.encode(zone.center.deliverVmKey("register:vm1", "vm1", HOST, 0, vmKey, zone.encapsulationKey()));
            SecureZoneResponse first = zone.client().installVmKey(delivery);
            SecureZoneResponse second = zone.client().installVmKey(delivery);
            assertThat(first.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(second.getOutcome()).isEqualTo(SecureZoneOutcome.DUPLICATE);
            assertThat(second.getSignedReply()).isEqualTo(first.getSignedReply());
            assertThat(second.getVerifiedCommand().getMessageType()).isEqualTo(MessageType.DELIVER_VM_KEY);

            byte[] migrateOut = TestCenter.encode(zone.center.migrateOut("m1", "vm1", HOST, 0));
            assertThat(zone.client().openCommand(migrateOut).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            SecureZoneResponse again = zone.client().openCommand(migrateOut);
            assertThat(again.getOutcome()).isEqualTo(SecureZoneOutcome.DUPLICATE);
            assertThat(again.getVerifiedCommand().getMigrationId()).isEqualTo("m1");
        }
    }

    @Test
    void aNewerKeyReplacesTheOlderOne() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL)) {
            installRegistrationKey(zone, "vm1");
            PrivateKeyHandle newer = zone.crypto.generateSigningKey();
            assertThat(zone.client().installVmKey(TestCenter.encode(zone.center.deliverVmKey("m2", "vm1", HOST, 3, newer, zone.encapsulationKey())))
                    .getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).singleElement()
                    .satisfies(key -> assertThat(key.keyFingerprint()).isEqualTo(newer.keyId().toString()))
                    .satisfies(key -> assertThat(key.epoch()).isEqualTo(3));
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void anAbortZeroizesTheKeyInstalledForThatMigrationOnly(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            var client = zone.client();
            PrivateKeyHandle sourceKey = installRegistrationKey(zone, "vm-src");
            PrivateKeyHandle targetKey = zone.crypto.generateSigningKey();
            client.openCommand(TestCenter.encode(zone.center.createTarget("m1", "vm1", HOST, 0)));
            client.installVmKey(TestCenter.encode(zone.center.deliverVmKey("m1", "vm1", HOST, 1, targetKey, zone.encapsulationKey())));
            client.checkAttestation(TestCenter.encode(zone.center.forwardedAttestation("m1", "vm1", HOST, 0, DESCRIPTION, IMAGE)), DESCRIPTION, IMAGE);

            SecureZoneResponse aborted = client.abort(TestCenter.encode(zone.center.abort("m1", "vm1", HOST, HostRole.DESTINATION, 0)), true);
            assertThat(aborted.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            AbortAcknowledged ack = zone.openReply(aborted).body(AbortAcknowledged.class);
            assertThat(ack.getVmKeyZeroized()).isTrue();
            assertThat(ack.getTargetVmDestroyed()).isTrue();
            assertThat(ack.getRole()).isEqualTo(HostRole.DESTINATION);
            assertRefused(client.reportCompletion("m1", "vm1"), RefusalReason.BINDING_MISMATCH);

            SecureZoneResponse sourceAbort = client.abort(
                    TestCenter.encode(zone.center.abort("m2", "vm-src", HOST, HostRole.SOURCE, 0)), false);
            assertThat(zone.openReply(sourceAbort).body(AbortAcknowledged.class).getVmKeyZeroized()).isFalse();
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray()).stream().map(InstalledVmKey::keyFingerprint))
                    .containsExactly(sourceKey.keyId().toString());
        }
    }

    @Test
    void signReplyServesOnlyTargetCreatedForAVerifiedCommandAndCommandRefused() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.GM)) {
            var client = zone.client();
            byte[] created = SingleObjectCodec.of(TargetVmCreated.class).encode(TargetVmCreated.newBuilder()
                    .setMigrationId("m1").setVmId("vm1").setHostId(HOST).setCreatedAt(Instant.now()).build());
            assertRefused(client.signReply(MessageType.TARGET_VM_CREATED, created, 0), RefusalReason.BINDING_MISMATCH);
            assertRefused(client.signReply(MessageType.MIGRATION_COMPLETED, created, 0), RefusalReason.MALFORMED);
            assertRefused(client.signReply(MessageType.TARGET_VM_CREATED, new byte[] {9}, 0), RefusalReason.MALFORMED);

            byte[] refusal = SingleObjectCodec.of(CommandRefused.class).encode(CommandRefused.newBuilder()
                    .setCommandMessageId("c1").setCommandType(MessageType.CREATE_TARGET_VM).setMigrationId("m1")
                    .setVmId("vm1").setHostId(HOST).setReason(RefusalReason.HYPERVISOR_FAILURE).setDetail("disk full").build());
            SecureZoneResponse signed = client.signReply(MessageType.COMMAND_REFUSED, refusal, 0);
            assertThat(signed.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(zone.openReply(signed).body(CommandRefused.class).getReason()).isEqualTo(RefusalReason.HYPERVISOR_FAILURE);
        }
    }

    @Test
    void signReplySignsARegistrationOnlyForThisHostUnderItsRegistrationId() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL)) {
            var client = zone.client();
            var codec = SingleObjectCodec.of(io.vmigrate.schema.inventory.VmRegistrationRequested.class);
            var registration = io.vmigrate.schema.inventory.VmRegistrationRequested.newBuilder().setVmId("vm1")
                    .setHostId(HOST).setVmName("web").setRequestedAt(Instant.now()).setRequestedBy("agent").build();
            SecureZoneResponse signed = client.signReply(MessageType.VM_REGISTRATION_REQUESTED, codec.encode(registration), -1);
            assertThat(signed.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            OpenedEnvelope opened = zone.openReply(signed);
            assertThat(opened.envelope().getMessageType()).isEqualTo(MessageType.VM_REGISTRATION_REQUESTED);
            assertThat(opened.envelope().getMigrationId())
                    .isEqualTo(io.vmigrate.schema.keys.KeyContexts.registrationMigrationId("vm1"));
            assertThat(opened.envelope().getHostId()).isEqualTo(HOST);
            assertThat(opened.body(io.vmigrate.schema.inventory.VmRegistrationRequested.class).getVmName()).isEqualTo("web");

            var forAnotherHost = io.vmigrate.schema.inventory.VmRegistrationRequested.newBuilder(registration)
                    .setHostId("another-host").build();
            assertRefused(client.signReply(MessageType.VM_REGISTRATION_REQUESTED, codec.encode(forAnotherHost), -1),
                    RefusalReason.WRONG_HOST);
        }
    }

    // ---- common command checks ----

    @ParameterizedTest
    @EnumSource(Suite.class)
    void everyAdmissionCheckRefusesWithItsReasonAndNoSignedReply(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            var client = zone.client();
            TestCenter center = zone.center;

            assertNotAdmitted(client.openCommand(new byte[] {1, 2, 3}), RefusalReason.MALFORMED);
            assertNotAdmitted(client.openCommand(TestCenter.encode(new TestCenter(suite).createTarget("m1", "vm1", HOST, 0))),
                    RefusalReason.UNKNOWN_SIGNER);

            SignedEnvelope tampered = ZoneFixture.ENVELOPES.decode(TestCenter.encode(center.createTarget("m2", "vm1", HOST, 0)));
            tampered.setBindingEpoch(7L);
            assertNotAdmitted(client.openCommand(TestCenter.encode(tampered)), RefusalReason.SIGNATURE_INVALID);

            Instant past = Instant.now().minusSeconds(3600);
            byte[] expired = TestCenter.encode(center.sealValidBetween("m3", "vm1", HOST, 0, CreateTargetVm.newBuilder()
                    .setMigrationId("m3").setVmId("vm1").setSourceHostId("x").setDeadline(past).build(), past, past.plusSeconds(60)));
            assertNotAdmitted(client.openCommand(expired), RefusalReason.EXPIRED);

            assertNotAdmitted(client.openCommand(TestCenter.encode(center.createTarget("m4", "vm1", "host-b", 0))),
                    RefusalReason.WRONG_HOST);
            assertNotAdmitted(client.openCommand(TestCenter.encode(center.deregister("m5", "vm1", HOST, 1, "ab"))),
                    RefusalReason.MALFORMED);
            assertNotAdmitted(client.deregister(TestCenter.encode(center.createTarget("m6", "vm1", HOST, 0))),
                    RefusalReason.MALFORMED);
            assertNotAdmitted(client.abort(TestCenter.encode(new TestCenter(suite).abort("m7", "vm1", HOST, HostRole.DESTINATION, 0)),
                    true), RefusalReason.UNKNOWN_SIGNER);
            assertNotAdmitted(client.verifyAbort(TestCenter.encode(new TestCenter(suite).abort("m7", "vm1", HOST, HostRole.DESTINATION, 0))),
                    RefusalReason.UNKNOWN_SIGNER);
            assertNotAdmitted(client.installVmKey(TestCenter.encode(new TestCenter(suite).deliverVmKey("m8", "vm1", HOST, 1,
                    zone.crypto.generateSigningKey(), zone.encapsulationKey()))), RefusalReason.UNKNOWN_SIGNER);

            SignedEnvelope oversize = center.createTarget("m9", "vm1", HOST, 0);
            oversize.setMessageId("x".repeat(70_000));
            assertNotAdmitted(client.openCommand(TestCenter.encode(oversize)), RefusalReason.MALFORMED);
            assertNotAdmitted(client.openCommand(TestCenter.encode(center.createTarget("m".repeat(300), "vm1", HOST, 0))),
                    RefusalReason.MALFORMED);

            SignedEnvelope badBody = center.abort("m10", "vm1", HOST, HostRole.DESTINATION, 0);
            badBody.setBody(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 1, 2}));
            badBody.setSignature(java.nio.ByteBuffer.allocate(0));
            badBody.setSignature(java.nio.ByteBuffer.wrap(center.crypto().signer(center.key()).sign(
                    io.vmigrate.schema.envelope.EnvelopeSigningInput.of(badBody),
                    io.vmigrate.schema.envelope.EnvelopeSigningInput.contextOf(badBody)).toBytes()));
            assertNotAdmitted(client.verifyAbort(TestCenter.encode(badBody)), RefusalReason.MALFORMED);
            assertNotAdmitted(client.abort(TestCenter.encode(badBody), true), RefusalReason.MALFORMED);

            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void verifyingAnAbortSaysWhatItsBodyAsksAndChangesNothing(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            var client = zone.client();
            PrivateKeyHandle targetKey = zone.crypto.generateSigningKey();
            client.openCommand(TestCenter.encode(zone.center.createTarget("m1", "vm1", HOST, 0)));
            client.installVmKey(TestCenter.encode(zone.center.deliverVmKey("m1", "vm1", HOST, 1, targetKey, zone.encapsulationKey())));
            byte[] abort = TestCenter.encode(zone.center.abort("m1", "vm1", HOST, HostRole.DESTINATION, 0));

            SecureZoneResponse verified = client.verifyAbort(abort);
            assertThat(verified.getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(verified.getSignedReply()).isNull();
            assertThat(verified.getVerifiedCommand().getAbortRole()).isEqualTo(HostRole.DESTINATION);
            assertThat(verified.getVerifiedCommand().getDestroyTarget()).isTrue();
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).hasSize(1);
            assertThat(client.verifyAbort(abort).getOutcome()).as("verifying writes no replay entry").isEqualTo(SecureZoneOutcome.OK);

            assertThat(client.abort(abort, true).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).isEmpty();
            SecureZoneResponse afterwards = client.verifyAbort(abort);
            assertThat(afterwards.getOutcome()).isEqualTo(SecureZoneOutcome.DUPLICATE);
            assertThat(afterwards.getSignedReply()).isNotNull();

            SecureZoneResponse atSource = client.verifyAbort(TestCenter.encode(zone.center.abort("m2", "vm1", HOST, HostRole.SOURCE, 0)));
            assertThat(atSource.getVerifiedCommand().getAbortRole()).isEqualTo(HostRole.SOURCE);
            assertThat(atSource.getVerifiedCommand().getDestroyTarget()).isFalse();

            SecureZoneResponse again = client.abort(TestCenter.encode(zone.center.abort("m1", "vm1", HOST, HostRole.DESTINATION, 0)), true);
            assertThat(again.getOutcome()).as("a retry with a fresh envelope").isEqualTo(SecureZoneOutcome.OK);
            assertThat(zone.openReply(again).body(AbortAcknowledged.class).getVmKeyZeroized()).isTrue();
        }
    }

    @Test
    void aVerifiedMigrateOutNamesItsDestination() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL)) {
            installRegistrationKey(zone, "vm1");
            SecureZoneResponse out = zone.client().openCommand(TestCenter.encode(zone.center.migrateOut("m1", "vm1", HOST, "h7", 0)));
            assertThat(out.getVerifiedCommand().getDestinationHostId()).hasToString("h7");
        }
    }

    @Test
    void migrateOutNeedsTheHeldKeysEpoch() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.INTL)) {
            assertCommandRefused(zone, zone.client().openCommand(TestCenter.encode(zone.center.migrateOut("m1", "vm1", HOST, 0))),
                    RefusalReason.BINDING_MISMATCH, "m1");
            installRegistrationKey(zone, "vm1");
            assertCommandRefused(zone, zone.client().openCommand(TestCenter.encode(zone.center.migrateOut("m2", "vm1", HOST, 1))),
                    RefusalReason.STALE_EPOCH, "m2");
            assertRefused(zone.client().attestVm("m2", "vm1", DESCRIPTION, IMAGE), RefusalReason.BINDING_MISMATCH);
        }
    }

    // ---- key installation refusals: answered with KeyInstallReply FAILED ----

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aKeyDeliveryThatDoesNotFitIsRefusedWithKeyInstallFailed(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            var client = zone.client();
            TestCenter center = zone.center;
            var me = zone.encapsulationKey();
            PrivateKeyHandle vmKey = zone.crypto.generateSigningKey();

            DeliverVmKey otherHost = center.delivery("m1", TestCenter.binding("vm1", "host-b", vmKey, 1, "m1"), vmKey, me, HOST);
            assertKeyInstallFailed(zone, client.installVmKey(TestCenter.encode(center.seal("m1", "vm1", HOST, 1, otherHost))), RefusalReason.WRONG_HOST);

            DeliverVmKey otherVm = center.delivery("m1", TestCenter.binding("vm2", HOST, vmKey, 1, "m1"), vmKey, me, HOST);
            assertKeyInstallFailed(zone, client.installVmKey(TestCenter.encode(center.seal("m1", "vm1", HOST, 1, otherVm))),
                    RefusalReason.BINDING_MISMATCH);

            DeliverVmKey wrongContext = center.delivery("m1", TestCenter.binding("vm1", HOST, vmKey, 1, "m1"), vmKey, me, "host-b");
            assertKeyInstallFailed(zone, client.installVmKey(TestCenter.encode(center.seal("m1", "vm1", HOST, 1, wrongContext))),
                    RefusalReason.UNWRAP_FAILED);

            var notMine = PublicKeyRecords.toRecord(zone.crypto.generateEncapsulationKey().publicKey());
            DeliverVmKey wrongRecipient = center.delivery("m1", TestCenter.binding("vm1", HOST, vmKey, 1, "m1"), vmKey, notMine, HOST);
            assertKeyInstallFailed(zone, client.installVmKey(TestCenter.encode(center.seal("m1", "vm1", HOST, 1, wrongRecipient))),
                    RefusalReason.UNWRAP_FAILED);

            PrivateKeyHandle otherKey = zone.crypto.generateSigningKey();
            DeliverVmKey otherPublic = center.delivery("m1", TestCenter.binding("vm1", HOST, vmKey, 1, "m1"), vmKey, me, HOST);
            otherPublic.setVmPublicKey(PublicKeyRecords.toRecord(otherKey.publicKey()));
            assertKeyInstallFailed(zone, client.installVmKey(TestCenter.encode(center.seal("m1", "vm1", HOST, 1, otherPublic))),
                    RefusalReason.BINDING_MISMATCH);

            DeliverVmKey otherFingerprint = center.delivery("m1", TestCenter.binding("vm1", HOST, otherKey, 1, "m1"), vmKey, me, HOST);
            assertKeyInstallFailed(zone, client.installVmKey(TestCenter.encode(center.seal("m1", "vm1", HOST, 1, otherFingerprint))),
                    RefusalReason.BINDING_MISMATCH);

            assertNotAdmitted(client.installVmKey(TestCenter.encode(new TestCenter(suite).deliverVmKey("m1", "vm1", HOST, 1, vmKey, me))),
                    RefusalReason.UNKNOWN_SIGNER);
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).isEmpty();

            installRegistrationKey(zone, "vm1");
            assertKeyInstallFailed(zone, client.installVmKey(TestCenter.encode(center.deliverVmKey("m9", "vm1", HOST, 0, vmKey, me))),
                    RefusalReason.STALE_EPOCH);
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).singleElement()
                    .satisfies(key -> assertThat(key.migrationId()).isEqualTo("register:vm1"));
        }
    }

    // ---- attestation, completion, deregistration refusals ----

    @Test
    void anAttestationOfOtherDigestsIsRefused() throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, Suite.GM)) {
            byte[] forwarded = TestCenter.encode(zone.center.forwardedAttestation("m1", "vm1", HOST, 0, DESCRIPTION, IMAGE));
            assertCommandRefused(zone, zone.client().checkAttestation(forwarded, DESCRIPTION, new byte[] {4, 5, 7}),
                    RefusalReason.ATTESTATION_MISMATCH, "m1");
            PrivateKeyHandle vmKey = zone.crypto.generateSigningKey();
            zone.client().installVmKey(TestCenter.encode(zone.center.deliverVmKey("m1", "vm1", HOST, 1, vmKey, zone.encapsulationKey())));
            assertRefused(zone.client().reportCompletion("m1", "vm1"), RefusalReason.ATTESTATION_MISMATCH);
            assertRefused(zone.client().reportCompletion("m2", "vm1"), RefusalReason.BINDING_MISMATCH);
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aDeregisterMustRetireTheHeldKeyWithANewerEpoch(Suite suite) throws Exception {
        try (var zone = ZoneFixture.provisioned(dir, suite)) {
            var client = zone.client();
            assertCommandRefused(zone, client.deregister(TestCenter.encode(zone.center.deregister("m1", "vm1", HOST, 1, "00"))),
                    RefusalReason.BINDING_MISMATCH, "m1");
            PrivateKeyHandle vmKey = installRegistrationKey(zone, "vm1");
            String fingerprint = vmKey.keyId().toString();
            assertCommandRefused(zone, client.deregister(TestCenter.encode(zone.center.deregister("m1", "vm1", HOST, 0, fingerprint))),
                    RefusalReason.STALE_EPOCH, "m1");
            assertCommandRefused(zone, client.deregister(TestCenter.encode(zone.center.deregister("m1", "vm1", HOST, 1, zone.crypto.generateSigningKey().keyId().toString()))), RefusalReason.BINDING_MISMATCH, "m1");
            byte[] forged = TestCenter.encode(new TestCenter(suite).deregister("m1", "vm1", HOST, 1, fingerprint));
            assertNotAdmitted(client.deregister(forged), RefusalReason.UNKNOWN_SIGNER);
            assertThat(VtcmStore.listInstalled(zone.stateDir(), ZoneFixture.PASSWORD.toCharArray())).hasSize(1);

            byte[] deregister = TestCenter.encode(zone.center.deregister("m1", "vm1", HOST, 1, fingerprint));
            assertThat(client.deregister(deregister).getOutcome()).isEqualTo(SecureZoneOutcome.OK);
            assertThat(client.deregister(deregister).getOutcome()).isEqualTo(SecureZoneOutcome.DUPLICATE);
            // A fresh deregister from an earlier migration finds no key to retire.
            assertCommandRefused(zone, client.deregister(TestCenter.encode(zone.center.deregister("m0", "vm1", HOST, 1, fingerprint))),
                    RefusalReason.BINDING_MISMATCH, "m0");
        }
    }

    // ---- helpers ----

    static PrivateKeyHandle installRegistrationKey(ZoneFixture zone, String vmId) throws Exception {
        PrivateKeyHandle vmKey = zone.crypto.generateSigningKey();
        SecureZoneResponse response = zone.client().installVmKey(
                TestCenter.encode(zone.center.deliverVmKey("register:" + vmId, vmId, HOST, 0, vmKey, zone.encapsulationKey())));
        assertThat(response.getOutcome()).as(response.getDetail()).isEqualTo(SecureZoneOutcome.OK);
        return vmKey;
    }

    private static void assertCommandRefused(ZoneFixture zone, SecureZoneResponse response, RefusalReason reason,
            String migrationId) throws Exception {
        assertRefused(response, reason);
        OpenedEnvelope reply = zone.openReply(response);
        assertThat(reply.envelope().getMessageType()).isEqualTo(MessageType.COMMAND_REFUSED);
        CommandRefused refused = reply.body(CommandRefused.class);
        assertThat(refused.getReason()).isEqualTo(reason);
        assertThat(refused.getHostId()).isEqualTo(HOST);
        assertThat(refused.getMigrationId()).isEqualTo(migrationId);
    }

    /** Refused at admission: no signed reply, since nothing the command claims is verified. */
    private static void assertNotAdmitted(SecureZoneResponse response, RefusalReason reason) {
        assertRefused(response, reason);
        assertThat(response.getSignedReply()).as("no signed reply for an unverified command").isNull();
    }

    private static void assertKeyInstallFailed(ZoneFixture zone, SecureZoneResponse response, RefusalReason reason)
            throws Exception {
        assertRefused(response, reason);
        KeyInstallReply reply = zone.openReply(response).body(KeyInstallReply.class);
        assertThat(reply.getOutcome()).isEqualTo(KeyInstallOutcome.FAILED);
        assertThat(reply.getReason()).isEqualTo(reason);
        assertThat(reply.getHostId()).isEqualTo(HOST);
    }
}

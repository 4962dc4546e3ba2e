package io.vmigrate.center.workflow;

import io.vmigrate.schema.common.WireSuite;
import io.vmigrate.schema.common.WireKeyPurpose;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.request.MigrationRequested;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * The machine with in-memory stores instead of Kafka: an adapter that carries outcomes out the way
 * {@code WorkflowAdapter} does, with counted message ids, a fake key mint and a clock moved by hand.
 */
final class FakeCenter {

    static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final Duration DEREGISTER_RETRY = Duration.ofSeconds(5);
    static final Duration MAX_DEADLINE = Duration.ofHours(1);

    final Set<String> enrolled = new HashSet<>();
    final Map<String, MigrationState> migrations = new HashMap<>();
    final Map<String, MigrationState> migrationsById = new HashMap<>();
    final Map<String, VmInventoryEntry> bindings = new HashMap<>();
    final Map<String, VaultedVmKey> vmKeys = new HashMap<>();
    final Map<String, VmRegistrationRequested> registrations = new HashMap<>();
    /** Migration id to its audit records in order. */
    final Map<String, List<Effect.Audit>> audit = new LinkedHashMap<>();
    final List<Effect.SendCommand> commands = new ArrayList<>();
    final List<Outcome> outcomes = new ArrayList<>();
    final MigrationMachine machine;
    Instant now = START;
    private int messages;
    private int mints;

    FakeCenter(String... enrolledHosts) {
        enrolled.addAll(List.of(enrolledHosts));
        machine = new MigrationMachine(DEADLINE, MAX_DEADLINE, DEREGISTER_RETRY, enrolled::contains, this::mint, () -> "msg-" + ++messages);
    }

    private Optional<MintedVmKey> mint(String migrationId, String vmId, long epoch, String hostId, Instant at) {
        if (!enrolled.contains(hostId)) {
            return Optional.empty();
        }
        String fingerprint = "fp-" + vmId + "-" + epoch + "-" + ++mints;
        PublicKeyRecord publicKey = PublicKeyRecord.newBuilder().setSuite(WireSuite.INTL).setPurpose(WireKeyPurpose.SIGNING)
                .setKeyId(fingerprint).setSpki(bytes("spki " + fingerprint)).build();
        VaultedVmKey vaulted = VaultedVmKey.newBuilder().setVmId(vmId).setEpoch(epoch).setHostId(hostId)
                .setVmPublicKey(publicKey).setWrappedPrivateKey(bytes("kek " + fingerprint)).setCreatedAt(at).build();
        return Optional.of(new MintedVmKey(vaulted, fingerprint, bytes("wrapped for " + hostId + " " + fingerprint)));
    }

    static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    VmFacts facts(String vmId) {
        return VmFacts.of(migrations.get(vmId), bindings.get(vmId), registrations.get(vmId), migrationsById::get);
    }

    Outcome request(String migrationId, String vmId, String source, String destination) {
        return request(MigrationRequested.newBuilder().setMigrationId(migrationId).setVmId(vmId).setSourceHostId(source)
                .setDestinationHostId(destination).setRequestedBy("operator").setRequestedAt(now).setDeadline(null).build());
    }

    Outcome request(MigrationRequested request) {
        return apply(machine.onRequest(facts(request.getVmId()), request, now));
    }

    Outcome register(String vmId, String hostId) {
        return apply(machine.onRegistration(facts(vmId), registration(vmId, hostId), now));
    }

    VmRegistrationRequested registration(String vmId, String hostId) {
        return VmRegistrationRequested.newBuilder().setVmId(vmId).setHostId(hostId).setVmName("name-" + vmId)
                .setRequestedAt(now).setRequestedBy("agent/" + hostId).build();
    }

    Outcome reply(String hostId, String migrationId, String vmId, SpecificRecord body) {
        VerifiedReply reply = new VerifiedReply("reply-" + ++messages, typeOf(body), hostId, migrationId, vmId, body);
        return reply(reply);
    }

    Outcome reply(VerifiedReply reply) {
        return apply(machine.onReply(facts(reply.vmId()), reply, now));
    }

    /** Moves the clock and shows it to every stored migration, as the ticker does. */
    List<Outcome> tick(Duration advance) {
        now = now.plus(advance);
        List<Outcome> due = new ArrayList<>();
        for (String vmId : new ArrayList<>(migrations.keySet())) {
            Outcome outcome = machine.onTick(facts(vmId), now);
            if (!outcome.isEmpty()) {
                due.add(outcome);
            }
        }
        due.forEach(this::apply);
        return due;
    }

    Outcome apply(Outcome outcome) {
        outcomes.add(outcome);
        MigrationState next = outcome.next();
        for (Effect effect : outcome.effects()) {
            if (effect instanceof Effect.SendCommand command) {
                commands.add(command);
            } else if (effect instanceof Effect.Audit entry) {
                audit.computeIfAbsent(next.getMigrationId(), id -> new ArrayList<>()).add(entry);
                next.setAuditSequence(next.getAuditSequence() + 1);
            } else if (effect instanceof Effect.CommitBinding binding) {
                bindings.put(binding.entry().getBinding().getVmId(), binding.entry());
            } else if (effect instanceof Effect.StoreVmKey key) {
                vmKeys.put(key.keyId(), key.key());
            } else if (effect instanceof Effect.DropVmKey key) {
                vmKeys.remove(key.keyId());
            } else if (effect instanceof Effect.HoldRegistration registration) {
                registrations.put(registration.registration().getVmId(), registration.registration());
            } else if (effect instanceof Effect.ReleaseRegistration registration) {
                registrations.remove(registration.vmId());
            }
        }
        if (outcome.keep() == Outcome.Keep.AS_CURRENT) {
            migrations.put(next.getVmId(), next);
        }
        if (outcome.keep() != Outcome.Keep.NOTHING) {
            migrationsById.put(next.getMigrationId(), next);
        }
        return outcome;
    }

    List<io.vmigrate.schema.common.MigrationStep> steps(String migrationId) {
        return audit.getOrDefault(migrationId, List.of()).stream().map(Effect.Audit::step).toList();
    }

    /** The last command sent to {@code hostId} in {@code migrationId}. */
    Effect.SendCommand lastSentTo(String hostId, String migrationId) {
        return lastSent(hostId, migrationId).orElseThrow(() -> new AssertionError("nothing sent to " + hostId + " in " + migrationId));
    }

    java.util.Optional<Effect.SendCommand> lastSent(String hostId, String migrationId) {
        for (int i = commands.size() - 1; i >= 0; i--) {
            Effect.SendCommand command = commands.get(i);
            if (command.hostId().equals(hostId) && command.migrationId().equals(migrationId)) {
                return java.util.Optional.of(command);
            }
        }
        return java.util.Optional.empty();
    }

    /** The bodies of the commands sent to {@code hostId} of one type, in order. */
    <T extends SpecificRecord> List<T> sent(String hostId, Class<T> type) {
        return commands.stream().filter(c -> c.hostId().equals(hostId)).map(Effect.SendCommand::body)
                .filter(type::isInstance).map(type::cast).toList();
    }

    /** Registers {@code vmId} on {@code hostId} end to end and returns its epoch-0 fingerprint. */
    String registered(String vmId, String hostId) {
        register(vmId, hostId);
        String fingerprint = lastKeyDelivered(hostId);
        reply(hostId, "register:" + vmId, vmId, Replies.keyInstalled("register:" + vmId, vmId, hostId, fingerprint, 0));
        return fingerprint;
    }

    /** The fingerprint of the last key delivered to {@code hostId}. */
    String lastKeyDelivered(String hostId) {
        List<io.vmigrate.schema.command.DeliverVmKey> deliveries = sent(hostId, io.vmigrate.schema.command.DeliverVmKey.class);
        return deliveries.get(deliveries.size() - 1).getBinding().getKeyFingerprint();
    }

    /** Migration {@code m1} of vm1 from h1 to h2 requested and walked up to its commit and first deregister. */
    String migratedToCommit() {
        request("m1", "vm1", "h1", "h2");
        return walkedToCommit();
    }

    /** As {@link #migratedToCommit()} for {@code m1} already commanded. */
    String walkedToCommit() {
        reply("h2", "m1", "vm1", Replies.targetCreated("m1", "vm1", "h2"));
        String fingerprint = lastKeyDelivered("h2");
        reply("h2", "m1", "vm1", Replies.keyInstalled("m1", "vm1", "h2", fingerprint, 1));
        reply("h1", "m1", "vm1", Replies.attestation("m1", "vm1", "h1"));
        reply("h2", "m1", "vm1", Replies.completed("m1", "vm1", "h2", fingerprint, 1));
        return fingerprint;
    }

    static MessageType typeOf(SpecificRecord body) {
        return MessageCatalogue.messageTypeOf(body);
    }
}

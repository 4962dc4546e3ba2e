package io.vmigrate.center.workflow;

import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.common.HostRole;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.request.MigrationRequested;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * One VM ({@code vm1}) among three hosts, played by random {@link Move}s: honest and dishonest
 * replies for whatever migration is current, replays of earlier replies, requests, registrations,
 * enrollment changes and the clock. Every outcome goes through the {@link ProtocolLedger}'s rules.
 */
final class ProtocolWorld {

    static final String VM = "vm1";
    static final List<String> HOSTS = List.of("h1", "h2", "h3");

    enum Kind {
        TARGET_CREATED, KEY_INSTALLED, KEY_INSTALLED_WRONG, KEY_INSTALL_FAILED, ATTESTATION, COMPLETED, COMPLETED_WRONG,
        DEREGISTERED, DEREGISTERED_STALE, REFUSED, REFUSED_REPLAYED, REFUSED_FORGED, ABORT_ACK, WRONG_PARTY, OTHER_MIGRATION,
        REPLAY_EARLIER, TICK_SHORT, TICK_RETRY, TICK_PAST_DEADLINE, CLOCK_PAST_DEADLINE_UNTICKED, NEW_REQUEST, REQUEST_ELSEWHERE, DUPLICATE_REQUEST, REGISTER,
        TOGGLE_ENROLLMENT
    }

    /** What happens next; {@code pick} chooses among hosts or earlier replies. */
    record Move(Kind kind, int pick) {
    }

    final FakeCenter center = new FakeCenter(HOSTS.toArray(String[]::new));
    final ProtocolLedger ledger = new ProtocolLedger(center);
    private final List<VerifiedReply> replies = new ArrayList<>();
    private MigrationRequested lastRequest;
    private int requests;

    /** vm1 registered on h1 (epoch 0) before the moves start. */
    static ProtocolWorld withBoundVm() {
        ProtocolWorld world = new ProtocolWorld();
        world.play(new Move(Kind.REGISTER, 0));
        world.play(new Move(Kind.KEY_INSTALLED, 0));
        return world;
    }

    /** Nothing known about vm1 yet. */
    static ProtocolWorld empty() {
        return new ProtocolWorld();
    }

    void play(Move move) {
        switch (move.kind()) {
            case TICK_SHORT -> center.tick(Duration.ofSeconds(1)).forEach(ledger::check);
            case TICK_RETRY -> center.tick(FakeCenter.DEREGISTER_RETRY).forEach(ledger::check);
            case TICK_PAST_DEADLINE -> center.tick(FakeCenter.DEADLINE.plusSeconds(1)).forEach(ledger::check);
            // The ticker is late: the next reply, not the clock, is the first event past the deadline.
            case CLOCK_PAST_DEADLINE_UNTICKED -> center.now = center.now.plus(FakeCenter.DEADLINE).plusSeconds(1);
            case NEW_REQUEST -> newRequest(move.pick(), false);
            case REQUEST_ELSEWHERE -> newRequest(move.pick(), true);
            case DUPLICATE_REQUEST -> {
                if (lastRequest != null) {
                    ledger.check(center.request(lastRequest));
                }
            }
            case REGISTER -> ledger.check(center.register(VM, host(move.pick())));
            case TOGGLE_ENROLLMENT -> {
                String host = host(move.pick());
                if (!center.enrolled.remove(host)) {
                    center.enrolled.add(host);
                }
            }
            case REPLAY_EARLIER -> {
                if (!replies.isEmpty()) {
                    ledger.check(center.reply(replies.get(move.pick() % replies.size())));
                }
            }
            default -> reply(move);
        }
        ledger.checkStores();
    }

    /** From the bound host (any host if unbound) to a random host, or to another one than the source. */
    private void newRequest(int pick, boolean elsewhere) {
        VmInventoryEntry binding = center.bindings.get(VM);
        String source = binding == null ? host(pick) : binding.getBinding().getHostId();
        String destination = elsewhere ? host(HOSTS.indexOf(source) + 1 + pick % 2) : host(pick / 3);
        lastRequest = MigrationRequested.newBuilder().setMigrationId("m" + ++requests).setVmId(VM).setSourceHostId(source)
                .setDestinationHostId(destination).setRequestedBy("operator").setRequestedAt(center.now)
                .setDeadline(null).build();
        ledger.check(center.request(lastRequest));
    }

    private void reply(Move move) {
        MigrationState state = center.migrations.get(VM);
        String migration = state == null ? "m0" : state.getMigrationId();
        String source = state == null ? "h1" : state.getSourceHostId();
        String destination = state == null ? "h2" : state.getDestinationHostId();
        long epoch = state == null ? 0 : state.getNewEpoch();
        String fingerprint = state == null || state.getNewKeyFingerprint() == null ? "none" : state.getNewKeyFingerprint();
        String either = move.pick() % 2 == 0 ? source : destination;
        switch (move.kind()) {
            case TARGET_CREATED -> send(destination, migration, Replies.targetCreated(migration, VM, destination));
            case KEY_INSTALLED -> send(destination, migration,
                    Replies.keyInstalled(migration, VM, destination, fingerprint, epoch));
            case KEY_INSTALLED_WRONG -> send(destination, migration,
                    Replies.keyInstalled(migration, VM, destination, "forged", epoch));
            case KEY_INSTALL_FAILED -> send(destination, migration, Replies.keyFailed(migration, VM, destination, epoch));
            case ATTESTATION -> send(source, migration, Replies.attestation(migration, VM, source));
            case COMPLETED -> send(destination, migration, Replies.completed(migration, VM, destination, fingerprint, epoch));
            case COMPLETED_WRONG -> send(destination, migration,
                    Replies.completed(migration, VM, destination, fingerprint, epoch + 1));
            case DEREGISTERED -> send(source, migration, Replies.deregistered(migration, VM, source, epoch));
            case DEREGISTERED_STALE -> send(source, migration, Replies.deregistered(migration, VM, source, epoch - 1));
            case REFUSED -> send(either, migration, center.lastSent(either, migration)
                    .map(command -> Replies.refused(command, RefusalReason.HYPERVISOR_FAILURE))
                    .orElseGet(() -> Replies.refusedUnsent(migration, VM, either, RefusalReason.HYPERVISOR_FAILURE)));
            case REFUSED_REPLAYED -> send(either, migration, center.lastSent(either, migration)
                    .map(command -> Replies.refused(command, RefusalReason.REPLAYED))
                    .orElseGet(() -> Replies.refusedUnsent(migration, VM, either, RefusalReason.REPLAYED)));
            case REFUSED_FORGED -> send(either, migration,
                    Replies.refusedUnsent(migration, VM, either, RefusalReason.HYPERVISOR_FAILURE));
            case ABORT_ACK -> send(either, migration, Replies.abortAcknowledged(migration, VM, either,
                    either.equals(source) ? HostRole.SOURCE : HostRole.DESTINATION));
            case WRONG_PARTY -> send(source, migration, Replies.targetCreated(migration, VM, source));
            case OTHER_MIGRATION -> send(destination, "m-old", Replies.targetCreated("m-old", VM, destination));
            default -> throw new IllegalArgumentException(move.toString());
        }
    }

    private void send(String hostId, String migrationId, SpecificRecord body) {
        VerifiedReply reply = new VerifiedReply("reply-" + replies.size(), FakeCenter.typeOf(body), hostId, migrationId, VM,
                body);
        replies.add(reply);
        ledger.check(center.reply(reply));
    }

    private static String host(int pick) {
        return HOSTS.get(Math.floorMod(pick, HOSTS.size()));
    }
}

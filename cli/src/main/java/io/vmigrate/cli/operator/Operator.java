package io.vmigrate.cli.operator;

import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.operator.OperatorRequestSealer;
import io.vmigrate.schema.request.AbortRequested;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.topic.Topic;
import io.vmigrate.schema.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What an operator does with vmigrate, over Kafka only: read the bindings, request a migration and
 * follow it to its end, abort one, approve or retire a host. Every request is signed with the
 * operator's key; {@code requestedBy} in a request is informational, the center names the verified key. The CLI subcommands and the end-to-end tests share it.
 */
public final class Operator {

    private final Map<String, Object> client;
    private final Topics topics;
    private final Clock clock;
    private final OperatorRequestSealer sealer;

    /** An operator that only reads (as an auditor does); sending a request fails. */
    public Operator(Map<String, Object> client, Topics topics, Clock clock) {
        this(client, topics, clock, null);
    }

    /** An operator whose requests {@code sealer} signs with a key the center knows. */
    public Operator(Map<String, Object> client, Topics topics, Clock clock, OperatorRequestSealer sealer) {
        this.client = Map.copyOf(client);
        this.topics = topics;
        this.clock = clock;
        this.sealer = sealer;
    }

    /** The current binding of every VM (the compacted {@code vm.inventory} read to its end). */
    public Map<String, VmInventoryEntry> bindings() {
        Map<String, VmInventoryEntry> vms = new TreeMap<>();
        TopicSnapshot.readToEnd(client, topics.vmInventory(), (vmId, entry) -> {
            if (entry == null) {
                vms.remove(vmId);
            } else {
                vms.put(vmId, entry);
            }
        });
        return vms;
    }

    /**
     * Waits until each VM has a binding on {@code vm.inventory} and returns every binding seen.
     *
     * @throws IllegalStateException naming the VMs still without a binding when {@code timeout} passes
     */
    public Map<String, VmInventoryEntry> awaitBindings(List<String> vmIds, Duration timeout) {
        Map<String, VmInventoryEntry> vms = new TreeMap<>();
        boolean all = TopicSnapshot.readUntil(client, topics.vmInventory(), (vmId, entry) -> {
            if (entry == null) {
                vms.remove(vmId);
            } else {
                vms.put(vmId, entry);
            }
        }, () -> vms.keySet().containsAll(vmIds), timeout);
        if (!all) {
            List<String> missing = new java.util.ArrayList<>(vmIds);
            missing.removeAll(vms.keySet());
            throw new IllegalStateException("VMs without a binding after " + timeout + ": " + missing);
        }
        return vms;
    }

    /** A request to move a VM from the host it is bound to now (or {@code from}) to {@code to}. */
    public MigrationRequested newRequest(String vmId, String to, Optional<String> from, Optional<Duration> deadline,
            String requestedBy) {
        String source = from.orElseGet(() -> {
            VmInventoryEntry entry = bindings().get(vmId);
            if (entry == null) {
                throw new IllegalArgumentException("VM " + vmId + " is not registered; see './vmigrate vms'");
            }
            return entry.getBinding().getHostId();
        });
        Instant now = clock.instant();
        return MigrationRequested.newBuilder()
                .setMigrationId(UUID.randomUUID().toString())
                .setVmId(vmId)
                .setSourceHostId(source)
                .setDestinationHostId(to)
                .setRequestedBy(requestedBy)
                .setRequestedAt(now)
                .setDeadline(deadline.map(now::plus).orElse(null))
                .build();
    }

    /** Signs a request and sends it, waiting for the broker's acknowledgement. */
    public void send(MigrationRequested request) {
        send(topics.migrationRequests(), signed(request));
    }

    /** Signs every request and sends them through one producer, then waits for every acknowledgement. */
    public void sendAll(List<MigrationRequested> requests) {
        List<OperatorRequest> signed = requests.stream().map(this::signed).toList();
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        var topic = topics.migrationRequests();
        try (var producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
            for (OperatorRequest request : signed) {
                producer.send(new ProducerRecord<>(topic.name(), request.getSubject(), request));
            }
        }
    }

    /** Signs an abort of {@code migrationId} (of {@code vmId}) and sends it; returns its request id. */
    public String sendAbort(String migrationId, String vmId) {
        OperatorRequest request = signed(AbortRequested.newBuilder().setMigrationId(migrationId).setVmId(vmId).build());
        send(topics.migrationRequests(), request);
        return request.getRequestId();
    }

    /**
     * Signs and sends an abort of {@code migrationId} and waits until the migration is ABORTED or the
     * center refuses the request (a committed migration is never aborted); empty if {@code timeout} passes.
     */
    public Optional<AbortOutcome> abortAndAwait(String migrationId, String vmId, Duration timeout) {
        var positions = AbortOutcome.positionsNow(client);
        String requestId = sendAbort(migrationId, vmId);
        return AbortOutcome.await(client, topics, positions, migrationId, requestId, timeout);
    }

    /** The VM a migration is about, from its audit trail (every migration's first record names it). */
    public Optional<String> vmOfMigration(String migrationId) {
        java.util.concurrent.atomic.AtomicReference<String> vm = new java.util.concurrent.atomic.AtomicReference<>();
        TopicSnapshot.readToEnd(client, topics.migrationAudit(), (id, entry) -> {
            if (migrationId.equals(id) && entry != null && vm.get() == null) {
                vm.set(entry.getVmId());
            }
        });
        return Optional.ofNullable(vm.get());
    }

    /** The hosts the center knows and their state, from its entries on {@code trust.registry} signed by {@code center}. */
    public HostListing hosts(io.vmigrate.trust.Verifier center) {
        Map<String, io.vmigrate.schema.registry.TrustRegistryEntry> latest = new HashMap<>();
        TopicSnapshot.readToEnd(client, topics.trustRegistry(), (key, entry) -> {
            if (key != null && entry != null) {
                latest.put(key, entry);
            }
        });
        return HostListing.of(latest, center);
    }

    /**
     * Waits until {@code hostId} is in {@code state} on {@code trust.registry} (entries signed by
     * {@code center} only); false if {@code timeout} passes first.
     */
    public boolean awaitHostState(String hostId, HostListing.State state, io.vmigrate.trust.Verifier center,
            Duration timeout) {
        Map<String, io.vmigrate.schema.registry.TrustRegistryEntry> latest = new HashMap<>();
        return TopicSnapshot.readUntil(client, topics.trustRegistry(), (key, entry) -> {
            if (key != null && entry != null) {
                latest.put(key, entry);
            }
        }, () -> HostListing.of(latest, center).host(hostId).map(h -> h.state() == state).orElse(false), timeout);
    }

    /** Signs a host approval or retirement and sends it to {@code host.approvals}; returns its request id. */
    public String sendHostRequest(org.apache.avro.specific.SpecificRecord approvalOrRetirement) {
        OperatorRequest request = signed(approvalOrRetirement);
        send(topics.hostApprovals(), request);
        return request.getRequestId();
    }

    /** The ids of the center keys named on {@code trust.registry} now ({@code center:<keyId>} entries, signed or not). */
    public java.util.Set<String> centerKeyIds() {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        TopicSnapshot.readToEnd(client, topics.trustRegistry(), (key, entry) -> centerKeyId(key).ifPresent(ids::add));
        return ids;
    }

    /**
     * Waits for a {@code center:<keyId>} entry naming a key not in {@code known}; its id, or empty if {@code timeout}
     * passes first. The caller checks that the key chains to the pinned one.
     */
    public Optional<String> awaitNewCenterKey(java.util.Set<String> known, Duration timeout) {
        java.util.Set<String> fresh = new java.util.TreeSet<>();
        TopicSnapshot.readUntil(client, topics.trustRegistry(), (key, entry) -> centerKeyId(key)
                .filter(id -> entry != null && !known.contains(id)).ifPresent(fresh::add), () -> !fresh.isEmpty(), timeout);
        return fresh.stream().findFirst();
    }

    private static Optional<String> centerKeyId(String key) {
        String prefix = io.vmigrate.schema.registry.TrustRegistryEntries.CENTER_ENTRY_PREFIX;
        return key != null && key.startsWith(prefix) ? Optional.of(key.substring(prefix.length())) : Optional.empty();
    }

    /** The request as this operator signs it, for callers that send it themselves (to a partition of their choice, say). */
    public OperatorRequest signed(MigrationRequested request) {
        return signed((org.apache.avro.specific.SpecificRecord) request);
    }

    private OperatorRequest signed(org.apache.avro.specific.SpecificRecord body) {
        if (sealer == null) {
            throw new IllegalStateException("no operator key to sign with; create one with 'vmigrate operator init'");
        }
        return sealer.seal(body);
    }

    private void send(Topic<String, OperatorRequest> topic, OperatorRequest request) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topic.name(), request.getSubject(), request)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending the request", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send the request: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Sends the request and follows it until it ends or {@code timeout} passes. */
    public Optional<MigrationWatcher.Outcome> sendAndAwait(MigrationRequested request, Duration timeout,
            Consumer<MigrationWatcher.Step> onStep) {
        var positions = MigrationWatcher.positionsNow(client);
        send(request);
        try (MigrationWatcher watcher = MigrationWatcher.from(client, topics, positions)) {
            return watcher.await(request.getMigrationId(), timeout, onStep);
        }
    }
}

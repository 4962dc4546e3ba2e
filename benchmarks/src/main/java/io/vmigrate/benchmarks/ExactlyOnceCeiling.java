package io.vmigrate.benchmarks;

import io.vmigrate.center.CenterConfig;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The ceiling Kafka itself sets on this machine for the protocol's message graph (issue 10, goal 1): the same
 * broker, the same exactly-once settings of the center (its defaults from {@link CenterConfig}), the same
 * topics per host, partitions and records per step, but no signature, no verification, no secure zone, no
 * fsync and no hypervisor. A Kafka Streams "center" keeps one state record per VM (a changelogged store) and,
 * per migration, runs the six transactions the real center runs, writing the same number of audit records (11),
 * commands (5) and an inventory entry; bare "host agents" (one thread each, as the real ones: a consumer,
 * {@code acks=all} idempotent producer, offsets committed after the reply is acknowledged) answer each command
 * at once with the reply the protocol expects. A closed loop keeps N migrations in flight; latency is request
 * sent → DONE read from the audit topic.
 *
 * <p>What the real system measures above this ceiling is ours: crypto, Avro, the zones, the file hypervisor and
 * our logic. Runs beside the real system in the same JVM (which stays up, idle), so both see the same machine.
 */
final class ExactlyOnceCeiling implements AutoCloseable {

    /** Message types, the first byte of each value. */
    private static final byte REQUEST = 1;
    private static final byte CREATE_TARGET = 2;
    private static final byte MIGRATE_OUT = 3;
    private static final byte DELIVER_KEY = 4;
    private static final byte FORWARD_ATTESTATION = 5;
    private static final byte DEREGISTER = 6;
    private static final byte TARGET_CREATED = 7;
    private static final byte ATTESTATION = 8;
    private static final byte KEY_INSTALLED = 9;
    private static final byte COMPLETED = 10;
    private static final byte DEREGISTERED = 11;
    private static final byte AUDIT = 12;
    private static final byte AUDIT_DONE = 13;

    /** Record sizes close to the real ones: a signed command or reply, an audit record, the center's state. */
    static final int MESSAGE_BYTES = 700;
    static final int AUDIT_BYTES = 450;
    static final int STATE_BYTES = 900;

    private static final String PREFIX = "ceiling.";
    private static final String REQUESTS = PREFIX + "requests";
    private static final String EVENTS = PREFIX + "events";
    private static final String AUDIT_TOPIC = PREFIX + "audit";
    private static final String INVENTORY = PREFIX + "inventory";
    private static final String STORE = "ceiling-migrations";

    private final EmbeddedSystem system;
    private final List<String> hosts;
    private final KafkaStreams center;
    private final List<BareHost> agents = new ArrayList<>();
    private final List<Thread> agentThreads = new ArrayList<>();
    private final KafkaProducer<String, byte[]> requests;
    private final KafkaConsumer<String, byte[]> audit;

    ExactlyOnceCeiling(EmbeddedSystem system, Path stateDir, Map<String, String> centerOverrides) throws Exception {
        this.system = system;
        this.hosts = system.hostIds();
        String requestTopic = system.topics().migrationRequests().name();
        try (Admin admin = Admin.create(system.clientProperties())) {
            // As many partitions as the system's own topics.
            int partitions = admin.describeTopics(List.of(requestTopic)).allTopicNames().get(60, TimeUnit.SECONDS)
                    .get(requestTopic).partitions().size();
            List<NewTopic> topics = new ArrayList<>();
            for (String name : List.of(REQUESTS, EVENTS, AUDIT_TOPIC, INVENTORY)) {
                topics.add(new NewTopic(name, partitions, (short) 1));
            }
            hosts.forEach(host -> topics.add(new NewTopic(commands(host), partitions, (short) 1)));
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        }
        this.center = new KafkaStreams(topology(), streamsProperties(stateDir, centerOverrides));
        for (String host : hosts) {
            BareHost agent = new BareHost(host);
            agents.add(agent);
            Thread thread = new Thread(agent, "ceiling-agent-" + host);
            thread.setDaemon(true);
            agentThreads.add(thread);
        }
        this.requests = new KafkaProducer<>(LoadGenerator.ackedProducerProperties(system.clientProperties()),
                new StringSerializer(), new ByteArraySerializer());
        this.audit = new KafkaConsumer<>(TopicSnapshot.consumerProperties(system.clientProperties()),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> auditPartitions = TopicSnapshot.partitionsOf(audit, AUDIT_TOPIC);
        audit.assign(auditPartitions);
        audit.seekToEnd(auditPartitions);
        auditPartitions.forEach(audit::position);
    }

    private static String commands(String host) {
        return PREFIX + "commands." + host;
    }

    /** Starts the center and the agents; returns once the center runs. */
    ExactlyOnceCeiling start() throws InterruptedException {
        center.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (center.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline || center.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException("the ceiling's center did not start: " + center.state());
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        agentThreads.forEach(Thread::start);
        return this;
    }

    private Properties streamsProperties(Path stateDir, Map<String, String> centerOverrides) {
        Map<String, Object> defaults = CenterConfig.DEFINITION.defaultValues();
        Properties properties = new Properties();
        properties.putAll(system.clientProperties());
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "vmigrate-ceiling-center");
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, centerOverrides.getOrDefault(CenterConfig.COMMIT_INTERVAL_MS,
                String.valueOf(defaults.get(CenterConfig.COMMIT_INTERVAL_MS))));
        properties.put(StreamsConfig.POLL_MS_CONFIG, centerOverrides.getOrDefault(CenterConfig.POLL_MS,
                String.valueOf(defaults.get(CenterConfig.POLL_MS))));
        properties.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return properties;
    }

    private Topology topology() {
        Topology topology = new Topology();
        topology.addSource("ceiling-requests-source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                REQUESTS, EVENTS);
        topology.addProcessor("ceiling-workflow", Workflow::new, "ceiling-requests-source");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                Serdes.ByteArray()), "ceiling-workflow");
        topology.addSink("ceiling-commands-sink", (key, value, context) -> commands(hosts.get(((byte[]) value)[1])),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), "ceiling-workflow");
        topology.addSink("ceiling-audit-sink", AUDIT_TOPIC, Serdes.String().serializer(), Serdes.ByteArray().serializer(),
                "ceiling-workflow");
        topology.addSink("ceiling-inventory-sink", INVENTORY, Serdes.String().serializer(), Serdes.ByteArray().serializer(),
                "ceiling-workflow");
        return topology;
    }

    /**
     * The real center's transitions reduced to their writes. State: [0] unused, [1] source index, [2] destination
     * index; the rest padding to the real state's size.
     */
    private static final class Workflow implements Processor<String, byte[], String, byte[]> {
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            byte[] in = record.value();
            byte[] state = in[0] == REQUEST ? new byte[STATE_BYTES] : store.get(record.key());
            if (state == null) {
                return;
            }
            if (in[0] == REQUEST) {
                state[1] = in[1];
                state[2] = in[2];
            }
            byte source = state[1];
            byte destination = state[2];
            switch (in[0]) {
                case REQUEST -> {
                    command(record, CREATE_TARGET, destination);
                    command(record, MIGRATE_OUT, source);
                    audit(record, 2, AUDIT);
                }
                case TARGET_CREATED -> {
                    command(record, DELIVER_KEY, destination);
                    audit(record, 2, AUDIT);
                }
                case ATTESTATION -> {
                    command(record, FORWARD_ATTESTATION, destination);
                    audit(record, 2, AUDIT);
                }
                case KEY_INSTALLED -> audit(record, 1, AUDIT);
                case COMPLETED -> {
                    audit(record, 3, AUDIT);
                    context.forward(record.withValue(new byte[MESSAGE_BYTES]), "ceiling-inventory-sink");
                    command(record, DEREGISTER, source);
                }
                case DEREGISTERED -> audit(record, 1, AUDIT_DONE);
                default -> {
                    return;
                }
            }
            store.put(record.key(), state);
        }

        private void command(Record<String, byte[]> record, byte type, byte host) {
            byte[] value = new byte[MESSAGE_BYTES];
            value[0] = type;
            value[1] = host;
            context.forward(record.withValue(value), "ceiling-commands-sink");
        }

        private void audit(Record<String, byte[]> record, int count, byte last) {
            for (int i = 0; i < count; i++) {
                byte[] value = new byte[AUDIT_BYTES];
                value[0] = i == count - 1 ? last : AUDIT;
                context.forward(record.withValue(value), "ceiling-audit-sink");
            }
        }
    }

    /** A host agent reduced to its Kafka part: consume a command, publish the reply, commit after the ack. */
    private final class BareHost implements Runnable {
        private final String host;
        private final KafkaConsumer<String, byte[]> consumer;
        private final KafkaProducer<String, byte[]> producer;
        /** Destination VMs that have their key, or their forwarded attestation, but not both yet. */
        private final Set<String> keyInstalled = new HashSet<>();
        private final Set<String> attested = new HashSet<>();
        private volatile boolean running = true;

        BareHost(String host) {
            this.host = host;
            Map<String, Object> consumerProps = new HashMap<>(TopicSnapshot.consumerProperties(system.clientProperties()));
            consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "ceiling-agent-" + host);
            this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
            this.producer = new KafkaProducer<>(LoadGenerator.ackedProducerProperties(system.clientProperties()),
                    new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public void run() {
            consumer.subscribe(List.of(commands(host)));
            try {
                while (running) {
                    var batch = consumer.poll(Duration.ofMillis(100));
                    if (batch.isEmpty()) {
                        continue;
                    }
                    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                    for (ConsumerRecord<String, byte[]> command : batch) {
                        answer(command.key(), command.value()[0]);
                        offsets.put(new TopicPartition(command.topic(), command.partition()),
                                new OffsetAndMetadata(command.offset() + 1));
                    }
                    producer.flush();
                    consumer.commitSync(offsets);
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(5));
                producer.close(Duration.ofSeconds(5));
            }
        }

        private void answer(String vmId, byte command) {
            switch (command) {
                case CREATE_TARGET -> reply(vmId, TARGET_CREATED);
                case MIGRATE_OUT -> reply(vmId, ATTESTATION);
                case DELIVER_KEY -> {
                    reply(vmId, KEY_INSTALLED);
                    if (attested.remove(vmId)) {
                        reply(vmId, COMPLETED);
                    } else {
                        keyInstalled.add(vmId);
                    }
                }
                case FORWARD_ATTESTATION -> {
                    if (keyInstalled.remove(vmId)) {
                        reply(vmId, COMPLETED);
                    } else {
                        attested.add(vmId);
                    }
                }
                case DEREGISTER -> reply(vmId, DEREGISTERED);
                default -> { }
            }
        }

        private void reply(String vmId, byte type) {
            byte[] value = new byte[MESSAGE_BYTES];
            value[0] = type;
            producer.send(new ProducerRecord<>(EVENTS, vmId, value));
        }

        void stop() {
            running = false;
            consumer.wakeup();
        }
    }

    /**
     * Keeps {@code inFlight} migrations going for {@code length} (each VM to the next host in turn) and returns
     * the window: migrations whose DONE was read in it and their request → DONE latencies.
     */
    LoadGenerator.Window closedLoop(int vms, int inFlight, Duration length) {
        Map<String, Long> sentAt = new HashMap<>();
        Map<String, Integer> hostOf = new HashMap<>();
        for (int i = 0; i < vms; i++) {
            hostOf.put("ceiling-vm-" + i, i % hosts.size());
        }
        List<String> idle = new ArrayList<>(hostOf.keySet());
        Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
        long completed = 0;
        long start = System.nanoTime();
        long end = start + length.toNanos();
        while (System.nanoTime() < end) {
            while (sentAt.size() < inFlight && !idle.isEmpty()) {
                String vm = idle.remove(idle.size() - 1);
                int from = hostOf.get(vm);
                int to = (from + 1) % hosts.size();
                byte[] request = new byte[MESSAGE_BYTES];
                request[0] = REQUEST;
                request[1] = (byte) from;
                request[2] = (byte) to;
                hostOf.put(vm, to);
                sentAt.put(vm, System.nanoTime());
                requests.send(new ProducerRecord<>(REQUESTS, vm, request));
            }
            for (ConsumerRecord<String, byte[]> record : audit.poll(Duration.ofMillis(5))) {
                Long sent = record.value()[0] == AUDIT_DONE ? sentAt.remove(record.key()) : null;
                if (sent != null) {
                    latency.recordValue(System.nanoTime() - sent);
                    completed++;
                    idle.add(record.key());
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        drain(sentAt);
        return new LoadGenerator.Window("bare exactly-once pipeline, " + inFlight + " in flight", seconds, completed, 0, 0,
                latency);
    }

    /** Reads the audit until the migrations still in flight end, so the next window starts empty. */
    private void drain(Map<String, Long> sentAt) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!sentAt.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : audit.poll(Duration.ofMillis(5))) {
                if (record.value()[0] == AUDIT_DONE) {
                    sentAt.remove(record.key());
                }
            }
        }
        if (!sentAt.isEmpty()) {
            throw new IllegalStateException(sentAt.size() + " ceiling migrations did not end within 2 min");
        }
    }

    @Override
    public void close() throws Exception {
        agents.forEach(BareHost::stop);
        for (Thread thread : agentThreads) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        center.close(Duration.ofSeconds(10));
        requests.close(Duration.ofSeconds(5));
        audit.close(Duration.ofSeconds(5));
    }

    /** A fresh state directory for the ceiling's center under the run's data directory. */
    static Path stateDir(Path dataDir) throws java.io.IOException {
        return Files.createDirectories(dataDir.resolve("ceiling-center"));
    }
}

package io.vmigrate.embedded;

import io.vmigrate.host.hypervisor.HypervisorException;
import io.vmigrate.center.CenterApp;
import io.vmigrate.center.CenterConfig;
import io.vmigrate.center.HostAllowList;
import io.vmigrate.cli.datadir.StatusUrlFile;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.cli.datadir.ClientConfigFiles;
import io.vmigrate.embedded.broker.EmbeddedKafkaBroker;
import io.vmigrate.embedded.broker.KafkaNodeGroup;
import io.vmigrate.embedded.broker.ListenerSecurity;
import io.vmigrate.embedded.security.BusAcls;
import io.vmigrate.embedded.security.BusPrincipal;
import io.vmigrate.embedded.security.BusUsers;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.topic.TopicProvisioner;
import io.vmigrate.schema.registry.ProvisioningStatementFile;
import io.vmigrate.schema.registry.ProvisioningStatements;
import io.vmigrate.trust.Signer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole of vmigrate on one machine: a real single-node KRaft broker (or an external cluster), the
 * center, and N hosts, each a secure zone plus a host agent, with sample VMs. Used by
 * {@code vmigrate up}/{@code demo} and by the end-to-end tests, so both run the same wiring.
 *
 * <p>Data directory layout: {@code cluster.properties} and {@code node-0/} (the broker),
 * {@code status.url} (the center's status API while it runs), {@code center/} (vault, public key, operators file, hosts allow-list, Streams state),
 * {@code operators/} (the user's operator and auditor keys, sealed), {@code hosts/<id>/} (secure-zone state and
 * socket, agent state), {@code hypervisor/} (the file hypervisor's VMs), {@code secrets.properties},
 * {@code clients/} (one owner-only Kafka client file per bus principal: {@code admin}, {@code center},
 * {@code operator}, {@code auditor}, {@code host-<id>}; each component runs as its own, see {@link BusAcls}) and,
 * when the broker runs {@code SASL_SSL}, {@code tls/} (the bus CA, truststore and broker keystores).
 */
public final class EmbeddedSystem implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSystem.class);

    private final Builder settings;
    private final Topics topics = Topics.withDefaultWireFormat();
    private final Map<String, HostNode> hosts = new LinkedHashMap<>();
    private final List<String> sampleVmIds = new ArrayList<>();
    private EmbeddedKafkaBroker broker;
    private String bootstrapServers;
    private CenterConfig centerConfig;
    private EmbeddedOperators operators;
    private CenterApp center;
    private boolean closed;

    private EmbeddedSystem(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts everything and returns once every sample VM has its initial binding. */
    public synchronized EmbeddedSystem start() {
        Path dataDir = settings.dataDir;
        try {
            Files.createDirectories(dataDir);
            SystemSecrets secrets = SystemSecrets.loadOrCreate(dataDir);
            operators = EmbeddedOperators.loadOrCreate(dataDir, settings.suite, secrets);
            if (settings.externalBootstrap == null) {
                broker = EmbeddedKafkaBroker.of(KafkaNodeGroup.builder().dataDir(dataDir)
                        .listenerSecurity(settings.listenerSecurity)).start();
                bootstrapServers = broker.bootstrapServers();
            } else {
                bootstrapServers = settings.externalBootstrap;
            }
            try (Admin admin = Admin.create(clientProperties())) {
                new TopicProvisioner(admin, settings.partitions, settings.replicationFactor).provisionShared(topics);
            }
            Path hypervisorRoot = dataDir.resolve("hypervisor");
            // The secure zones start first: the center's allow-list names each one's signing key, so the
            // hosts this system starts itself are approved when they enroll, and no other host is.
            // The center's settings name its allow-list file; the file is written below, before the center starts.
            centerConfig = new CenterConfig(centerSettings(dataDir, secrets));
            Map<String, String> allowList = new LinkedHashMap<>();
            for (int i = 1; i <= settings.hosts; i++) {
                String hostId = "h" + i;
                hosts.put(hostId, newHost(hostId, dataDir, hypervisorRoot, secrets));
            }
            if (broker != null) {
                new BusUsers(clientProperties(), dataDir, broker.tlsTrust()).provision(busPrincipals(), bootstrapServers);
            }
            int hostNumber = 0;
            for (HostNode host : hosts.values()) {
                if (!settings.heldBackHostIds.contains(host.hostId())) {
                    sampleVmIds.addAll(SampleVms.seed(host, ++hostNumber, settings.vmsPerHost, hypervisorRoot));
                }
                host.startSecureZone();
                if (settings.provisionedHostIds.contains(host.hostId())) {
                    // Vouched for by the provisioning CA instead of the allow-list: its agent presents the statement.
                    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                    ProvisioningStatementFile.write(provisioningStatementFile(dataDir, host.hostId()),
                            ProvisioningStatements.issue(settings.provisioningCa, host.hostId(), host.secureZoneFingerprint(),
                                    now, now.plus(Duration.ofDays(1))));
                } else {
                    allowList.put(host.hostId(), host.secureZoneFingerprint());
                }
            }
            HostAllowList.write(hostsAllowListFile(dataDir), allowList);
            startCenter();
            for (HostNode host : hosts.values()) {
                if (!settings.heldBackHostIds.contains(host.hostId())) {
                    host.startAgent();
                }
            }
            awaitBindings(sampleVmIds, settings.readyTimeout);
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot start vmigrate in " + dataDir, e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Kafka client settings of the embedded cluster's super user ({@code admin}), e.g. for tests that write
     * anything anywhere; with an external cluster, its bootstrap servers alone.
     */
    public Map<String, Object> clientProperties() {
        return broker != null ? broker.adminClientProperties()
                : Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    /**
     * Kafka client settings of one bus principal of this system ({@code center}, {@code operator},
     * {@code auditor}, {@code host-<id>}, see {@link BusAcls}), as in {@code <dataDir>/clients/<name>.properties};
     * with an external cluster, its bootstrap servers alone.
     */
    public Map<String, Object> clientProperties(String principal) {
        Map<String, Object> props = new HashMap<>();
        if (broker != null) {
            props.putAll(ClientConfigFiles.loadOrCreate(settings.dataDir, principal).clientProperties());
            broker.tlsTrust().ifPresent(trust -> props.putAll(trust.clientProperties()));
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Map.copyOf(props);
    }

    /** Every principal this system runs as, with its ACLs. */
    public List<BusPrincipal> busPrincipals() {
        BusAcls acls = new BusAcls(topics);
        List<BusPrincipal> principals = new ArrayList<>(List.of(
                acls.center(centerConfig.getString(CenterConfig.APPLICATION_ID)), acls.operator(), acls.auditor()));
        hosts.values().forEach(host -> principals.add(acls.host(host.hostId(), host.agentConsumerGroup())));
        return principals;
    }

    public Topics topics() {
        return topics;
    }

    /** What clients must trust when the embedded broker runs {@code SASL_SSL}; empty otherwise. */
    public java.util.Optional<io.vmigrate.cli.datadir.TlsTrust> tlsTrust() {
        return broker != null ? broker.tlsTrust() : java.util.Optional.empty();
    }

    /** The operator of this system: its requests are signed with the OPERATOR key the center is configured with. */
    public Operator operator() {
        Clock clock = Clock.systemUTC();
        return new Operator(clientProperties(BusAcls.OPERATOR), topics, clock, operators.operator().sealer(clock));
    }

    /** Requests signed with the ADMIN key the center is configured with (on the operator's bus login): center key rotation. */
    public Operator admin() {
        Clock clock = Clock.systemUTC();
        return new Operator(clientProperties(BusAcls.OPERATOR), topics, clock, operators.admin().sealer(clock));
    }

    /**
     * Requests signed with the auditor's key, a known key whose role may only read, so the center refuses every
     * one it signs. They travel on the operator's bus login: the auditor's own login may not write at all
     * (the broker refuses it first; {@code BusAuthorizationIT} shows that), and this is for testing the center's check.
     */
    public Operator auditorSignedRequests() {
        Clock clock = Clock.systemUTC();
        return new Operator(clientProperties(BusAcls.OPERATOR), topics, clock, operators.auditor().sealer(clock));
    }

    public Suite suite() {
        return settings.suite;
    }

    public List<String> hostIds() {
        return List.copyOf(hosts.keySet());
    }

    public HostNode host(String hostId) {
        HostNode host = hosts.get(hostId);
        if (host == null) {
            throw new IllegalArgumentException("no host " + hostId + " (hosts: " + hosts.keySet() + ")");
        }
        return host;
    }

    /** VMs seeded on the hosts at start, in host order. */
    public List<String> sampleVmIds() {
        return Collections.unmodifiableList(sampleVmIds);
    }

    public Path dataDir() {
        return settings.dataDir;
    }

    public synchronized CenterApp center() {
        return center;
    }

    /** Where the center serves its status API and {@code /metrics}, e.g. {@code http://localhost:41234}. */
    public synchronized java.net.URI centerStatusUrl() {
        if (center == null) {
            throw new IllegalStateException("the center is not running");
        }
        return center.statusUri().orElseThrow(() -> new IllegalStateException("the center serves no HTTP"));
    }

    /** Where host {@code hostId}'s agent serves {@code GET /metrics}. */
    public java.net.URI agentMetricsUrl(String hostId) {
        return host(hostId).agentMetricsUrl()
                .orElseThrow(() -> new IllegalStateException("agent of " + hostId + " is not running or serves no metrics"));
    }

    /**
     * The configuration of another center instance of this system: same application id, vault and
     * password, its own Streams state in {@code stateDir} and a free HTTP port. The caller starts it with
     * {@link CenterApp#start(CenterConfig)} and closes it.
     */
    public CenterConfig additionalCenterConfig(Path stateDir) {
        Map<String, Object> props = new HashMap<>(centerConfig.originals());
        props.put(CenterConfig.STATE_DIR, stateDir.toString());
        props.put(CenterConfig.HTTP_PORT, "0");
        props.remove(CenterConfig.PUBLIC_KEY_PATH);
        return new CenterConfig(props);
    }

    /**
     * Starts the agent of a host held back at start ({@link Builder#heldBackHosts}): it enrolls now and the
     * allow-list approves it, later than the others (after a center key rotation, say).
     */
    public void startHeldBackHost(String hostId) {
        if (!settings.heldBackHostIds.contains(hostId)) {
            throw new IllegalArgumentException(hostId + " is not a held-back host of this system");
        }
        host(hostId).startAgent();
    }

    /** Closes the center's Streams app and starts a new one on the same state: it must resume where it was. */
    public synchronized void restartCenter() {
        stopCenter();
        startCenter();
    }

    public synchronized void stopCenter() {
        if (center != null) {
            StatusUrlFile.delete(settings.dataDir);
            center.close();
            center = null;
        }
    }

    public synchronized void startCenter() {
        if (center == null) {
            try {
                center = CenterApp.start(centerConfig);
                center.statusUri().ifPresent(uri -> StatusUrlFile.write(settings.dataDir, uri));
            } catch (io.vmigrate.trust.SealedKeyStoreException e) {
                throw new IllegalStateException("cannot open the center vault: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Creates a new running VM on {@code hostId} (random image, as the sample VMs) and waits until the
     * center has registered it and bound its epoch-0 key to that host.
     */
    public VmInventoryEntry addVm(String hostId, String vmId, Duration timeout) {
        try {
            host(hostId).addVm(vmId, "vm " + vmId, SampleVms.randomImage());
        } catch (HypervisorException | IOException e) {
            throw new IllegalStateException("cannot create " + vmId + " on " + hostId + ": " + e.getMessage(), e);
        }
        return awaitBindings(List.of(vmId), timeout).get(vmId);
    }

    /** Waits until each VM has a binding on {@code vm.inventory}. */
    public Map<String, VmInventoryEntry> awaitBindings(List<String> vmIds, Duration timeout) {
        return operator().awaitBindings(vmIds, timeout);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (HostNode host : hosts.values()) {
            try {
                host.close();
            } catch (RuntimeException e) {
                LOG.warn("closing host {} failed", host.hostId(), e);
            }
        }
        stopCenter();
        if (broker != null) {
            broker.close();
        }
    }

    private Map<String, Object> centerSettings(Path dataDir, SystemSecrets secrets) {
        Path centerDir = dataDir.resolve("center");
        Map<String, Object> props = new HashMap<>();
        props.put(CenterConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        clientProperties(BusAcls.CENTER).forEach((key, value) -> {
            if (!key.equals(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                props.put(CenterConfig.STREAMS_PASSTHROUGH_PREFIX + key, value);
            }
        });
        props.put(CenterConfig.SUITE, settings.suite.name().toLowerCase(java.util.Locale.ROOT));
        props.put(CenterConfig.VAULT_PATH, centerDir.resolve("vault.bcfks").toString());
        props.put(CenterConfig.VAULT_PASSWORD, new String(secrets.centerVaultPassword()));
        props.put(CenterConfig.PUBLIC_KEY_PATH, centerPublicKeyFile(dataDir).toString());
        props.put(CenterConfig.OPERATORS_FILE, operators.operatorsFile().toString());
        props.put(CenterConfig.HOSTS_ALLOWLIST_FILE, hostsAllowListFile(dataDir).toString());
        props.put(CenterConfig.STATE_DIR, centerDir.resolve("streams").toString());
        props.put(CenterConfig.PROVISION_TOPICS, "false");
        props.put(CenterConfig.TOPIC_PARTITIONS, String.valueOf(settings.partitions));
        props.put(CenterConfig.INTERNAL_REPLICATION_FACTOR, String.valueOf(settings.replicationFactor));
        props.put(CenterConfig.DEFAULT_DEADLINE_MS, String.valueOf(settings.defaultDeadline.toMillis()));
        props.put(CenterConfig.DEREGISTER_RETRY_MS, String.valueOf(settings.deregisterRetry.toMillis()));
        props.put(CenterConfig.HTTP_HOST, "localhost");
        props.put(CenterConfig.HTTP_PORT, String.valueOf(settings.centerHttpPort));
        props.putAll(settings.centerOverrides);
        return props;
    }

    private static Path hostsAllowListFile(Path dataDir) {
        return dataDir.resolve("center").resolve("hosts-allowlist");
    }

    private static Path centerPublicKeyFile(Path dataDir) {
        return dataDir.resolve("center").resolve("center-public-key.properties");
    }

    private HostNode newHost(String hostId, Path dataDir, Path hypervisorRoot, SystemSecrets secrets) throws IOException {
        return HostNode.create(hostId, dataDir.resolve("hosts").resolve(hostId), hypervisorRoot,
                clientProperties(BusAcls.hostPrincipal(hostId)), settings.suite, settings.replicationFactor,
                centerPublicKeyFile(dataDir), secrets, settings.provisionedHostIds.contains(hostId)
                        ? Optional.of(provisioningStatementFile(dataDir, hostId)) : Optional.empty());
    }

    private static Path provisioningStatementFile(Path dataDir, String hostId) {
        return dataDir.resolve("hosts").resolve(hostId).resolve("provisioning-statement");
    }

    /** Settings of an embedded system. */
    public static final class Builder {
        private Path dataDir = Path.of(".vmigrate");
        private int hosts = 3;
        private int vmsPerHost = 2;
        private Suite suite = Suite.GM;
        private String externalBootstrap;
        private ListenerSecurity listenerSecurity = ListenerSecurity.SASL_PLAINTEXT;
        private int partitions = 3;
        private short replicationFactor = 1;
        private Duration defaultDeadline = Duration.ofMinutes(2);
        private Duration deregisterRetry = Duration.ofSeconds(5);
        private Duration readyTimeout = Duration.ofMinutes(2);
        private int centerHttpPort;
        private final Map<String, Object> centerOverrides = new HashMap<>();
        private Signer provisioningCa;
        private java.util.Set<String> provisionedHostIds = java.util.Set.of();
        private java.util.Set<String> heldBackHostIds = java.util.Set.of();

        private Builder() {}

        /**
         * Hosts (among h1..hN) whose secure zones start and are allow-listed, but whose agents wait for
         * {@link EmbeddedSystem#startHeldBackHost} to enroll; they hold no sample VM.
         */
        public Builder heldBackHosts(java.util.Set<String> hostIds) {
            this.heldBackHostIds = java.util.Set.copyOf(hostIds);
            return this;
        }

        /**
         * Leaves these hosts off the allow-list: each is given a statement of {@code ca} for its secure zone's
         * key, which its agent presents at enrollment. The center must trust {@code ca}
         * ({@link CenterConfig#HOSTS_PROVISIONING_CA_FILE}, see {@link #centerSetting}), or they stay pending.
         */
        public Builder provisionedHosts(Signer ca, java.util.Set<String> hostIds) {
            this.provisioningCa = Objects.requireNonNull(ca);
            this.provisionedHostIds = java.util.Set.copyOf(hostIds);
            return this;
        }

        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir);
            return this;
        }

        public Builder hosts(int count) {
            if (count < 1 || count > 1000) {
                throw new IllegalArgumentException("hosts must be 1..1000: " + count);
            }
            this.hosts = count;
            return this;
        }

        public Builder vmsPerHost(int count) {
            if (count < 0 || count > 1000) {
                throw new IllegalArgumentException("VMs per host must be 0..1000: " + count);
            }
            this.vmsPerHost = count;
            return this;
        }

        public Builder suite(Suite suite) {
            this.suite = Objects.requireNonNull(suite);
            return this;
        }

        /** Use an external Kafka cluster instead of starting an embedded broker. */
        public Builder externalBootstrap(String bootstrapServers) {
            this.externalBootstrap = bootstrapServers;
            return this;
        }

        /** How the embedded broker's listeners are protected: {@code SASL_PLAINTEXT} (default) or {@code SASL_SSL}. */
        public Builder listenerSecurity(ListenerSecurity security) {
            this.listenerSecurity = Objects.requireNonNull(security);
            return this;
        }

        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder replicationFactor(short replicationFactor) {
            this.replicationFactor = replicationFactor;
            return this;
        }

        public Builder defaultDeadline(Duration deadline) {
            this.defaultDeadline = Objects.requireNonNull(deadline);
            return this;
        }

        public Builder deregisterRetry(Duration interval) {
            this.deregisterRetry = Objects.requireNonNull(interval);
            return this;
        }

        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Port of the center's status API and metrics (default 0: a free port). */
        public Builder centerHttpPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("center HTTP port must be 0..65535: " + port);
            }
            this.centerHttpPort = port;
            return this;
        }

        /** Any center setting, e.g. {@code commit.interval.ms} for a 3-broker cluster. */
        public Builder centerSetting(String key, Object value) {
            centerOverrides.put(key, value);
            return this;
        }

        public EmbeddedSystem build() {
            return new EmbeddedSystem(this);
        }
    }
}

package io.vmigrate.faultrun;

import io.vmigrate.center.CenterConfig;
import io.vmigrate.center.CenterMain;
import io.vmigrate.center.HostAllowList;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.common.main.MainSettings;
import io.vmigrate.embedded.EmbeddedOperators;
import io.vmigrate.embedded.SystemSecrets;
import io.vmigrate.embedded.broker.KafkaNodeGroup;
import io.vmigrate.embedded.security.BusAcls;
import io.vmigrate.embedded.security.BusPrincipal;
import io.vmigrate.faultrun.process.ChildProcess;
import io.vmigrate.host.HostAgentConfig;
import io.vmigrate.host.HostAgentMain;
import io.vmigrate.host.hypervisor.FileHypervisor;
import io.vmigrate.host.hypervisor.HypervisorException;
import io.vmigrate.schema.topic.TopicProvisioner;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.securezone.SecureZoneConfig;
import io.vmigrate.securezone.SecureZoneMain;
import io.vmigrate.securezone.SecureZoneServer;
import io.vmigrate.testsupport.ChildJvmKafkaCluster;
import io.vmigrate.trust.CryptoSuites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system a fault run drives: three combined KRaft nodes as child JVMs (replication factor 3,
 * {@code min.insync.replicas} 2), two center instances of one application id with a standby replica each,
 * and per host a secure zone and a host agent, each its own JVM started from its real {@code main}, each host
 * with its own data directory and VMs. Every component runs as its own bus principal with its ACLs.
 */
public final class RunSystem implements AutoCloseable {

    static final String APPLICATION_ID = "vmigrate-center";
    static final int CENTER_INSTANCES = 2;
    private static final short REPLICATION_FACTOR = 3;
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(40);
    private static final List<String> COMPONENT_JVM = List.of("-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true", "-Xss512k");
    private static final Logger LOG = LoggerFactory.getLogger(RunSystem.class);

    private final FaultRunSettings settings;
    private final RunLayout layout;
    private final Topics topics = Topics.withDefaultWireFormat();
    private final Map<String, List<String>> vmsByHost = new TreeMap<>();
    private final List<ChildProcess> centers = new ArrayList<>();
    private final List<Integer> centerPorts = new ArrayList<>();
    private final Map<String, ChildProcess> zones = new LinkedHashMap<>();
    private final Map<String, ChildProcess> agents = new LinkedHashMap<>();
    private ChildJvmKafkaCluster cluster;
    private Map<String, Map<String, Object>> clients;
    private EmbeddedOperators operators;

    private RunSystem(FaultRunSettings settings) {
        this.settings = settings;
        List<String> hostIds = new ArrayList<>();
        for (int i = 1; i <= settings.hosts(); i++) {
            hostIds.add("h" + i);
        }
        this.layout = new RunLayout(settings.dataDir(), settings.suite(), hostIds);
    }

    /** Provisions everything in an empty data directory, starts it and returns once every VM is bound. */
    public static RunSystem start(FaultRunSettings settings) {
        RunSystem system = new RunSystem(settings);
        try {
            system.provisionAndStart();
            return system;
        } catch (IOException e) {
            system.close();
            throw new UncheckedIOException("cannot start the fault run's system in " + settings.dataDir(), e);
        } catch (RuntimeException e) {
            system.close();
            throw e;
        }
    }

    private void provisionAndStart() throws IOException {
        if (Files.isDirectory(layout.dataDir()) && Files.list(layout.dataDir()).findAny().isPresent()) {
            throw new IllegalArgumentException("the fault run needs an empty data directory; " + layout.dataDir() + " is not");
        }
        Files.createDirectories(layout.dataDir());
        cluster = ChildJvmKafkaCluster.of(KafkaNodeGroup.builder().dataDir(layout.clusterDir()).nodes(3)
                .brokerProperty("min.insync.replicas", "2")).start();
        BusAcls acls = new BusAcls(topics);
        List<BusPrincipal> principals = new ArrayList<>(List.of(acls.center(APPLICATION_ID), acls.operator(), acls.auditor()));
        for (String hostId : layout.hostIds()) {
            principals.add(acls.host(hostId, "vmigrate-host-" + hostId));
        }
        clients = cluster.principals(principals);
        try (Admin admin = Admin.create(adminClient())) {
            new TopicProvisioner(admin, settings.partitions(), REPLICATION_FACTOR).provisionShared(topics);
        }
        SystemSecrets secrets = layout.secrets();
        operators = EmbeddedOperators.loadOrCreate(layout.dataDir(), settings.suite(), secrets);

        Map<String, String> allowList = new LinkedHashMap<>();
        int vmNumber = 0;
        SecureRandom random = new SecureRandom();
        for (String hostId : layout.hostIds()) {
            Files.createDirectories(layout.hostDir(hostId));
            FileHypervisor hypervisor = new FileHypervisor(layout.hypervisorRoot(), hostId,
                    CryptoSuites.get(settings.suite()).digest());
            List<String> vms = new ArrayList<>();
            for (int i = 0; i < settings.vmsPerHost(); i++) {
                String vmId = "vm-" + (++vmNumber);
                byte[] image = new byte[settings.imageBytes()];
                random.nextBytes(image);
                try {
                    hypervisor.defineVm(vmId, "fault-run " + vmId, image);
                } catch (HypervisorException e) {
                    throw new IllegalStateException("cannot define " + vmId + " on " + hostId + ": " + e.getMessage(), e);
                }
                vms.add(vmId);
            }
            vmsByHost.put(hostId, List.copyOf(vms));
            allowList.put(hostId, provisionSecureZone(hostId, secrets));
            agents.put(hostId, agentProcess(hostId, secrets));
        }
        HostAllowList.write(layout.centerDir().resolve("hosts-allowlist"), allowList);
        for (int i = 0; i < CENTER_INSTANCES; i++) {
            centers.add(centerProcess(i, secrets));
        }

        zones.values().forEach(ChildProcess::start);
        // The first instance creates the vault and writes the center's public key, which the agents pin.
        centers.get(0).start();
        awaitCenterHealthy(0, READY_TIMEOUT);
        for (int i = 1; i < CENTER_INSTANCES; i++) {
            centers.get(i).start();
        }
        agents.values().forEach(ChildProcess::start);
        for (int i = 1; i < CENTER_INSTANCES; i++) {
            awaitCenterHealthy(i, READY_TIMEOUT);
        }
        operator().awaitBindings(allVms(), READY_TIMEOUT);
        LOG.info("fault run system up: 3 brokers, {} center instances, {} hosts, {} VMs", CENTER_INSTANCES,
                layout.hostIds().size(), allVms().size());
    }

    /**
     * Creates the zone's sealed state once in this JVM, to learn the fingerprint the center's allow-list
     * approves it by (as an operator provisioning a host would), then hands it to its own process.
     */
    private String provisionSecureZone(String hostId, SystemSecrets secrets) throws IOException {
        Map<String, String> zone = new LinkedHashMap<>();
        zone.put(SecureZoneConfig.HOST_ID, hostId);
        zone.put(SecureZoneConfig.SUITE, suiteName());
        zone.put(SecureZoneConfig.SOCKET, socketOf(hostId).toString());
        zone.put(SecureZoneConfig.STATE_DIR, layout.secureZoneStateDir(hostId).toString());
        Path file = layout.hostDir(hostId).resolve("secure-zone.properties");
        writeProperties(file, zone);
        String password = new String(secrets.sealingPassword(hostId));
        Map<String, Object> inProcess = new LinkedHashMap<>(zone);
        inProcess.put(SecureZoneConfig.SEALING_PASSWORD, password);
        String fingerprint;
        try (SecureZoneServer server = new SecureZoneServer(new SecureZoneConfig(inProcess)).start()) {
            fingerprint = server.signingKeyFingerprint();
        }
        zones.put(hostId, new ChildProcess("zone-" + hostId, SecureZoneMain.class.getName(), List.of(file.toString()),
                Map.of(MainSettings.variableName("", SecureZoneConfig.SEALING_PASSWORD), password), jvm("-Xmx192m"), layout.logsDir()));
        return fingerprint;
    }

    private ChildProcess agentProcess(String hostId, SystemSecrets secrets) throws IOException {
        Map<String, String> agent = new LinkedHashMap<>();
        clients.get(BusAcls.hostPrincipal(hostId)).forEach((key, value) -> agent.put(
                key.equals(HostAgentConfig.BOOTSTRAP_SERVERS) ? key : HostAgentConfig.KAFKA_CLIENT_PREFIX + key, String.valueOf(value)));
        agent.put(HostAgentConfig.HOST_ID, hostId);
        agent.put(HostAgentConfig.SUITE, suiteName());
        agent.put(HostAgentConfig.SECURE_ZONE_SOCKET, socketOf(hostId).toString());
        agent.put(HostAgentConfig.STATE_DIR, layout.agentStateDir(hostId).toString());
        agent.put(HostAgentConfig.HYPERVISOR_ROOT, layout.hypervisorRoot().toString());
        agent.put(HostAgentConfig.CENTER_PUBLIC_KEY_FILE, centerPublicKeyFile().toString());
        agent.put(HostAgentConfig.COMMAND_TOPIC_REPLICATION_FACTOR, String.valueOf(REPLICATION_FACTOR));
        agent.put(HostAgentConfig.METRICS_HOST, "localhost");
        agent.put(HostAgentConfig.METRICS_PORT, "0");
        Path file = layout.hostDir(hostId).resolve("agent.properties");
        writeProperties(file, agent);
        return new ChildProcess("agent-" + hostId, HostAgentMain.class.getName(), List.of(file.toString()),
                Map.of("VMIGRATE_AGENT_KEYSTORE_PASSWORD", new String(secrets.agentPassword(hostId))), jvm("-Xmx192m"),
                layout.logsDir());
    }

    private ChildProcess centerProcess(int instance, SystemSecrets secrets) throws IOException {
        Map<String, String> center = new LinkedHashMap<>();
        clients.get(BusAcls.CENTER).forEach((key, value) -> center.put(key.equals(CenterConfig.BOOTSTRAP_SERVERS)
                ? key : CenterConfig.STREAMS_PASSTHROUGH_PREFIX + key, String.valueOf(value)));
        center.put(CenterConfig.APPLICATION_ID, APPLICATION_ID);
        center.put(CenterConfig.SUITE, suiteName());
        center.put(CenterConfig.VAULT_PATH, layout.centerVault().toString());
        if (instance == 0) {
            center.put(CenterConfig.PUBLIC_KEY_PATH, centerPublicKeyFile().toString());
        }
        center.put(CenterConfig.OPERATORS_FILE, operators.operatorsFile().toString());
        center.put(CenterConfig.HOSTS_ALLOWLIST_FILE, layout.centerDir().resolve("hosts-allowlist").toString());
        center.put(CenterConfig.STATE_DIR, layout.centerInstanceDir(instance).toString());
        center.put(CenterConfig.PROVISION_TOPICS, "false");
        center.put(CenterConfig.TOPIC_PARTITIONS, String.valueOf(settings.partitions()));
        center.put(CenterConfig.INTERNAL_REPLICATION_FACTOR, String.valueOf(REPLICATION_FACTOR));
        center.put(CenterConfig.DEFAULT_DEADLINE_MS, String.valueOf(settings.deadline().toMillis()));
        center.put(CenterConfig.DEREGISTER_RETRY_MS, "2000");
        center.put(CenterConfig.HTTP_HOST, "localhost");
        int port = freePort();
        centerPorts.add(port);
        center.put(CenterConfig.HTTP_PORT, String.valueOf(port));
        // A standby of every task on the other instance, and a killed instance noticed in seconds, not 45.
        center.put(CenterConfig.STREAMS_PASSTHROUGH_PREFIX + "num.standby.replicas", "1");
        center.put(CenterConfig.STREAMS_PASSTHROUGH_PREFIX + "session.timeout.ms", "10000");
        center.put(CenterConfig.STREAMS_PASSTHROUGH_PREFIX + "heartbeat.interval.ms", "2000");
        Path file = layout.centerDir().resolve("instance-" + instance + ".properties");
        writeProperties(file, center);
        return new ChildProcess("center-" + instance, CenterMain.class.getName(), List.of(file.toString()),
                Map.of("VMIGRATE_CENTER_VAULT_PASSWORD", new String(secrets.centerVaultPassword())), jvm("-Xmx512m"),
                layout.logsDir());
    }

    /** Waits until the instance's {@code /health} answers 200 (its Streams app RUNNING or REBALANCING). */
    public void awaitCenterHealthy(int instance, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI health = URI.create("http://localhost:" + centerPorts.get(instance) + "/health");
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (centers.get(instance).diedUnexpectedly()) {
                throw new IllegalStateException(centers.get(instance).exitDescription());
            }
            try {
                HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                LOG.debug("center-{} not answering yet: {}", instance, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for center-" + instance, e);
            }
            pause(Duration.ofMillis(250));
        }
        throw new IllegalStateException("center-" + instance + " not healthy within " + timeout + " (log "
                + centers.get(instance).logFile() + ")");
    }

    public RunLayout layout() {
        return layout;
    }

    public Topics topics() {
        return topics;
    }

    public ChildJvmKafkaCluster cluster() {
        return cluster;
    }

    /** The cluster's super user: reads every topic, writes the injected copies. */
    public Map<String, Object> adminClient() {
        return cluster.adminClientProperties();
    }

    /** The operator's login and key: the run's migrations are signed requests like any operator's. */
    public Operator operator() {
        Clock clock = Clock.systemUTC();
        return new Operator(clients.get(BusAcls.OPERATOR), topics, clock, operators.operator().sealer(clock));
    }

    public Map<String, Object> operatorClient() {
        return clients.get(BusAcls.OPERATOR);
    }

    public io.vmigrate.schema.operator.OperatorRequestSealer operatorSealer() {
        return operators.operator().sealer(Clock.systemUTC());
    }

    public List<ChildProcess> centers() {
        return List.copyOf(centers);
    }

    public ChildProcess zone(String hostId) {
        return zones.get(hostId);
    }

    public ChildProcess agent(String hostId) {
        return agents.get(hostId);
    }

    /** Every component process, for the monitor that notices one dying by itself. */
    public List<ChildProcess> components() {
        List<ChildProcess> all = new ArrayList<>(centers);
        all.addAll(zones.values());
        all.addAll(agents.values());
        return all;
    }

    public Map<String, List<String>> initialVms() {
        return Map.copyOf(vmsByHost);
    }

    public List<String> allVms() {
        return vmsByHost.values().stream().flatMap(List::stream).toList();
    }

    /** Stops every component with SIGTERM (agents first, then zones and centers), leaving the brokers up. */
    public void stopComponents() {
        agents.values().forEach(agent -> agent.stop(STOP_TIMEOUT));
        zones.values().forEach(zone -> zone.stop(STOP_TIMEOUT));
        centers.forEach(center -> center.stop(STOP_TIMEOUT));
    }

    @Override
    public void close() {
        try {
            stopComponents();
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private Path centerPublicKeyFile() {
        return layout.centerDir().resolve("center-public-key.properties");
    }

    private Path socketOf(String hostId) {
        return layout.hostDir(hostId).resolve("secure-zone.sock");
    }

    private String suiteName() {
        return settings.suite().name().toLowerCase(Locale.ROOT);
    }

    private static List<String> jvm(String heap) {
        List<String> options = new ArrayList<>(COMPONENT_JVM);
        options.add(heap);
        return options;
    }

    /** Settings without passwords: those go to each process through its environment. */
    private static void writeProperties(Path file, Map<String, String> values) throws IOException {
        Files.createDirectories(file.getParent());
        Properties properties = new Properties();
        properties.putAll(values);
        // Owner-only: the Kafka login of the component is in it, as in the embedded system's clients/ files.
        AtomicFiles.write(file, AtomicFiles.Permissions.OWNER_ONLY, out -> properties.store(out, "vmigrate fault run"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

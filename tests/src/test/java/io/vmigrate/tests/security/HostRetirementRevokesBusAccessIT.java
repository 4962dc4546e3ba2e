package io.vmigrate.tests.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vmigrate.cli.VmigrateMain;
import io.vmigrate.cli.datadir.ClientConfigFiles;
import io.vmigrate.cli.operator.HostListing;
import io.vmigrate.cli.operator.TopicSnapshot;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.embedded.security.BusAcls;
import io.vmigrate.schema.keys.CenterPublicKeyFile;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: "retiring a host makes the center refuse its keys and its topic unreadable to it". {@code vmigrate
 * hosts retire} is run as an operator would, through the CLI against the data directory of a running system:
 * it removes the host principal's ACLs and SCRAM credential with the cluster's admin login, then has the center
 * retire the host. A login that may not alter ACLs fails loudly and retires nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostRetirementRevokesBusAccessIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private EmbeddedSystem system;
    private Path dataDir;
    private Verifier center;

    @BeforeAll
    void startSystem(@TempDir Path dir) throws Exception {
        dataDir = dir;
        system = EmbeddedSystem.builder().dataDir(dir).hosts(3).vmsPerHost(1).suite(Suite.INTL)
                .defaultDeadline(Duration.ofSeconds(45)).deregisterRetry(Duration.ofSeconds(2)).build().start();
        PublicKeyHandle key = CenterPublicKeyFile.read(dir.resolve("center").resolve("center-public-key.properties"));
        center = CryptoSuites.get(key.suite()).verifier(key);
    }

    @AfterAll
    void stopSystem() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void retiringAHostRevokesItsLoginAndAclsAndLeavesTheOtherHostsAlone() throws Exception {
        Map<String, Object> h2 = ClientConfigFiles.read(dataDir, BusAcls.hostPrincipal("h2")).orElseThrow();
        Map<String, Object> h1 = ClientConfigFiles.read(dataDir, BusAcls.hostPrincipal("h1")).orElseThrow();
        assertThat(pollFromStart(h2, system.topics().hostCommands("h2").name())).as("h2 before").isPositive();
        assertThat(system.host("h2").agentRunning()).isTrue();

        CliRun retire = cli("hosts", "retire", "h2", "--data-dir", dataDir.toString());

        assertThat(retire.exit()).as(retire.toString()).isZero();
        assertThat(retire.out()).contains("bus access of host-h2 revoked", "SCRAM credential deleted",
                "host h2 is retired");
        assertThat(system.operator().hosts(center).host("h2")).map(HostListing.Host::state)
                .contains(HostListing.State.RETIRED);
        // A new login is refused: the credential is gone.
        assertThatThrownBy(() -> pollFromStart(h2, system.topics().hostCommands("h2").name()))
                .isInstanceOf(SaslAuthenticationException.class);
        // The session its agent already had reaches nothing either: the next fetch is denied and the agent stops.
        await().atMost(Duration.ofSeconds(60)).until(() -> !system.host("h2").agentRunning());
        assertThat(aclsOf(BusAcls.hostPrincipal("h2"))).isZero();

        assertThat(pollFromStart(h1, system.topics().hostCommands("h1").name())).as("h1 after").isPositive();
        assertThat(aclsOf(BusAcls.hostPrincipal("h1"))).isPositive();
        assertThat(system.host("h1").agentRunning()).isTrue();
        assertThat(system.operator().hosts(center).host("h1")).map(HostListing.Host::state)
                .contains(HostListing.State.APPROVED);
    }

    @Test
    void aLoginThatMayNotAlterAclsFailsLoudlyAndRetiresNothing() throws Exception {
        Path operatorLogin = ClientConfigFiles.javaFile(dataDir, BusAcls.OPERATOR);

        CliRun retire = cli("hosts", "retire", "h3", "--data-dir", dataDir.toString(),
                "--admin-config", operatorLogin.toString());

        assertThat(retire.exit()).as(retire.toString()).isNotZero();
        assertThat(retire.err()).contains("cannot revoke the bus access of host-h3", "ClusterAuthorizationException",
                "must be allowed to alter ACLs", "the host was not retired");
        assertThat(aclsOf(BusAcls.hostPrincipal("h3"))).isPositive();
        Map<String, Object> h3 = ClientConfigFiles.read(dataDir, BusAcls.hostPrincipal("h3")).orElseThrow();
        assertThat(pollFromStart(h3, system.topics().hostCommands("h3").name())).isPositive();
        assertThat(system.operator().hosts(center).host("h3")).map(HostListing.Host::state)
                .contains(HostListing.State.APPROVED);
    }

    private record CliRun(int exit, String out, String err) { }

    private static CliRun cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = VmigrateMain.commandLine(List.of()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    private int aclsOf(String principal) throws Exception {
        try (Admin admin = Admin.create(system.clientProperties())) {
            return admin.describeAcls(new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                    "User:" + principal, null, AclOperation.ANY, AclPermissionType.ANY))).values()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS).size();
        }
    }

    /** How many records a new consumer with these settings reads from the start of partition 0. */
    private static int pollFromStart(Map<String, Object> client, String topic) {
        Map<String, Object> props = new HashMap<>(TopicSnapshot.consumerProperties(client));
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicSnapshot.partitionsOf(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            int count = 0;
            while (count == 0 && System.nanoTime() < deadline) {
                count += consumer.poll(Duration.ofMillis(500)).count();
            }
            return count;
        }
    }
}

package io.vmigrate.tests.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmigrate.center.CenterConfig;
import io.vmigrate.cli.operator.HostListing;
import io.vmigrate.cli.operator.MigrationWatcher;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.cli.operator.OperatorGrantPublisher;
import io.vmigrate.embedded.EmbeddedSystem;
import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.common.MigrationStep;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.keys.CenterPublicKeyFile;
import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.schema.operator.KnownOperator;
import io.vmigrate.schema.operator.OperatorGrants;
import io.vmigrate.schema.operator.OperatorRequestSealer;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.registry.ProvisioningStatement;
import io.vmigrate.schema.registry.ProvisioningStatements;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorGrant;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's other two trust roots on a real broker with real secure zones: a host whose agent presents
 * a statement of the provisioning CA the center is configured with is approved at enrollment and
 * receives a VM; an operator key granted by an entry of the configured admin key signs a migration that
 * completes, until a later entry revokes it. Everything else is refused with its reason. Every scenario
 * makes its own VMs, hosts and keys, so they run in any order on one system.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvisionedHostsAndGrantedOperatorsIT {

    private static final Duration OUTCOME = Duration.ofSeconds(90);
    private static final Duration CENTER = Duration.ofSeconds(30);
    private static final CryptoSuite CRYPTO = CryptoSuites.get(Suite.INTL);

    private final PrivateKeyHandle provisioningCa = CRYPTO.generateSigningKey();
    private final PrivateKeyHandle adminKey = CRYPTO.generateSigningKey();
    private final AtomicInteger counter = new AtomicInteger();
    private EmbeddedSystem system;
    private SystemProbe probe;
    private Operator operator;
    private Verifier center;
    private OperatorGrantPublisher grants;

    @BeforeAll
    void start(@TempDir Path dataDir, @TempDir Path keysDir) throws Exception {
        Path caFile = keysDir.resolve("provisioning-cas");
        TrustAnchors.write(caFile, "provisioning CAs", List.of(new TrustAnchors.Anchor("factory-ca", provisioningCa.publicKey())));
        Path adminFile = keysDir.resolve("admin-keys");
        TrustAnchors.write(adminFile, "admin keys", List.of(new TrustAnchors.Anchor("root-admin", adminKey.publicKey())));
        // h3 is not on the allow-list: only the CA's statement, which its agent presents, can approve it.
        system = EmbeddedSystem.builder().dataDir(dataDir).hosts(3).vmsPerHost(0).suite(Suite.INTL)
                .defaultDeadline(Duration.ofSeconds(60)).deregisterRetry(Duration.ofSeconds(2))
                .provisionedHosts(CRYPTO.signer(provisioningCa), Set.of("h3"))
                .centerSetting(CenterConfig.HOSTS_PROVISIONING_CA_FILE, caFile.toString())
                .centerSetting(CenterConfig.ADMIN_KEY_FILE, adminFile.toString())
                .build().start();
        probe = new SystemProbe(system);
        operator = system.operator();
        PublicKeyHandle centerKey = CenterPublicKeyFile.read(dataDir.resolve("center").resolve("center-public-key.properties"));
        center = CryptoSuites.get(centerKey.suite()).verifier(centerKey);
        grants = new OperatorGrantPublisher(system.clientProperties(), system.topics());
    }

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aHostWhoseAgentPresentsTheCasStatementIsApprovedAtEnrollmentAndReceivesAVm() throws Exception {
        assertThat(operator.awaitHostState("h3", HostListing.State.APPROVED, center, CENTER)).isTrue();
        assertThat(operator.hosts(center).host("h3")).map(HostListing.Host::fingerprint)
                .contains(system.host("h3").secureZoneFingerprint());
        String vm = newVm("h1");

        MigrationWatcher.Outcome outcome = migrate(operator, vm, "h3");

        assertThat(outcome.finalStep()).isEqualTo(MigrationStep.DONE);
        assertThat(probe.binding(vm).getBinding().getHostId()).isEqualTo("h3");
        assertThat(probe.hostsRunning(vm)).containsExactly("h3");
    }

    @Test
    void aStatementForAnotherHostOrKeyExpiredOrOfAnotherSignerLeavesTheHostPendingWithItsReason() throws Exception {
        PrivateKeyHandle stranger = CRYPTO.generateSigningKey();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String otherKey = CRYPTO.generateSigningKey().keyId().toString();
        enrollSoftwareHost("p1", (id, fingerprint) -> issue(provisioningCa, "p2", fingerprint, now, now.plus(Duration.ofDays(1))));
        enrollSoftwareHost("p2", (id, fingerprint) -> issue(provisioningCa, id, otherKey, now, now.plus(Duration.ofDays(1))));
        enrollSoftwareHost("p3", (id, fingerprint) -> issue(stranger, id, fingerprint, now, now.plus(Duration.ofDays(1))));
        enrollSoftwareHost("p4", (id, fingerprint) -> issue(provisioningCa, id, fingerprint, now.minus(Duration.ofDays(2)),
                now.minus(Duration.ofDays(1))));

        for (String hostId : List.of("p1", "p2", "p3", "p4")) {
            await().atMost(CENTER).until(() -> operator.hosts(center).host(hostId)
                    .map(h -> h.state() == HostListing.State.PENDING).orElse(false));
        }
        await().atMost(CENTER).untilAsserted(() -> assertThat(probe.alerts()).filteredOn(a -> a.getHostId() != null
                && a.getHostId().matches("p[1-4]")).extracting(a -> a.getHostId() + ":" + a.getReason())
                .contains("p1:" + RefusalReason.WRONG_HOST, "p2:" + RefusalReason.BINDING_MISMATCH,
                        "p3:" + RefusalReason.UNKNOWN_SIGNER, "p4:" + RefusalReason.EXPIRED));
        String vm = newVm("h1");
        MigrationWatcher.Outcome outcome = migrate(operator, vm, "p1");
        assertThat(outcome.finalStep()).isEqualTo(MigrationStep.REJECTED);
        assertThat(outcome.reason()).contains(RefusalReason.DESTINATION_NOT_ENROLLED.name());
        assertThat(probe.commandsTo("p1")).isEmpty();
    }

    @Test
    void anOperatorGrantedByTheAdminKeySignsAMigrationThatCompletesUntilALaterEntryRevokesIt() throws Exception {
        PrivateKeyHandle key = CRYPTO.generateSigningKey();
        KnownOperator grace = new KnownOperator("grace-" + counter.incrementAndGet(), OperatorRole.OPERATOR, key.publicKey());
        Operator granted = new Operator(system.clientProperties(), system.topics(), Clock.systemUTC(),
                new OperatorRequestSealer(CRYPTO.signer(key), Clock.systemUTC(), Duration.ofMinutes(5)));
        OperatorGrant grant = adminGrant(adminKey, grace, Duration.ofDays(1), false);
        grants.publish(grant);
        assertThat(grants.awaitTaken(grant, CENTER)).isTrue();
        String vm = newVm("h1");

        assertThat(migrate(granted, vm, "h2").finalStep()).isEqualTo(MigrationStep.DONE);
        assertThat(probe.binding(vm).getBinding().getHostId()).isEqualTo("h2");
        assertThat(probe.hostsRunning(vm)).containsExactly("h2");

        OperatorGrant revocation = adminGrant(adminKey, grace, Duration.ofDays(1), true);
        grants.publish(revocation);
        assertThat(grants.awaitTaken(revocation, CENTER)).isTrue();
        MigrationRequested refused = granted.newRequest(vm, "h1", Optional.empty(), Optional.empty(), "it");
        granted.send(refused);
        await().atMost(CENTER).until(() -> alertsNaming(grace.keyId()).contains(RefusalReason.UNKNOWN_SIGNER));
        assertThat(probe.audit(refused.getMigrationId())).isEmpty();
        assertThat(probe.binding(vm).getBinding().getHostId()).isEqualTo("h2");
    }

    @Test
    void aGrantSignedByAKeyThatIsNotTheAdminsOrExpiredIsRefusedAndItsOperatorStaysUnknown() throws Exception {
        PrivateKeyHandle mallorysKey = CRYPTO.generateSigningKey();
        KnownOperator mallory = new KnownOperator("mallory-" + counter.incrementAndGet(), OperatorRole.OPERATOR,
                mallorysKey.publicKey());
        PrivateKeyHandle latesKey = CRYPTO.generateSigningKey();
        KnownOperator late = new KnownOperator("late-" + counter.incrementAndGet(), OperatorRole.OPERATOR, latesKey.publicKey());
        grants.publish(adminGrant(CRYPTO.generateSigningKey(), mallory, Duration.ofDays(1), false));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        grants.publish(OperatorGrants.sign(CRYPTO.signer(adminKey), late, now.minus(Duration.ofDays(2)),
                now.minus(Duration.ofDays(1)), false, now.minus(Duration.ofDays(2))));

        await().atMost(CENTER).untilAsserted(() -> {
            assertThat(alertsNaming(mallory.keyId())).contains(RefusalReason.UNKNOWN_SIGNER);
            assertThat(alertsNaming(late.keyId())).contains(RefusalReason.EXPIRED);
        });
        String vm = newVm("h2");
        Operator asMallory = new Operator(system.clientProperties(), system.topics(), Clock.systemUTC(),
                new OperatorRequestSealer(CRYPTO.signer(mallorysKey), Clock.systemUTC(), Duration.ofMinutes(5)));
        MigrationRequested request = asMallory.newRequest(vm, "h1", Optional.empty(), Optional.empty(), "it");
        asMallory.send(request);
        await().atMost(CENTER).until(() -> alertsNaming("unknown operator key " + mallory.keyId())
                .contains(RefusalReason.UNKNOWN_SIGNER));
        assertThat(probe.audit(request.getMigrationId())).isEmpty();
        assertThat(probe.binding(vm).getBinding().getHostId()).isEqualTo("h2");
    }

    private OperatorGrant adminGrant(PrivateKeyHandle signer, KnownOperator operator, Duration validFor, boolean revoked) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return OperatorGrants.sign(CRYPTO.signer(signer), operator, now, now.plus(validFor), revoked, now);
    }

    private List<RefusalReason> alertsNaming(String text) {
        return probe.alerts().stream().filter(a -> a.getDetail() != null && a.getDetail().contains(text))
                .map(SecurityAlert::getReason).toList();
    }

    private static ProvisioningStatement issue(PrivateKeyHandle ca, String hostId, String fingerprint, Instant from, Instant until) {
        return ProvisioningStatements.issue(CRYPTO.signer(ca), hostId, fingerprint, from, until);
    }

    /** A host with keys made in ordinary software and a valid proof of possession, presenting the statement given. */
    private void enrollSoftwareHost(String hostId, StatementFor statement) {
        SoftwareHosts.enroll(system, CRYPTO, hostId, (id, fingerprint) -> Optional.of(statement.issue(id, fingerprint)));
    }

    private interface StatementFor {
        ProvisioningStatement issue(String hostId, String fingerprint);
    }

    private String newVm(String hostId) {
        String vmId = "roots-" + counter.incrementAndGet();
        system.addVm(hostId, vmId, Duration.ofSeconds(60));
        return vmId;
    }

    private static MigrationWatcher.Outcome migrate(Operator by, String vmId, String to) {
        MigrationRequested request = by.newRequest(vmId, to, Optional.empty(), Optional.empty(), "it");
        Optional<MigrationWatcher.Outcome> outcome = by.sendAndAwait(request, OUTCOME, step -> { });
        assertThat(outcome).as("migration %s of %s to %s ended", request.getMigrationId(), vmId, to).isPresent();
        return outcome.get();
    }
}

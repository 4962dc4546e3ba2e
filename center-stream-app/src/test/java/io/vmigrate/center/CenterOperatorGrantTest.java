package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.common.RefusalReason;
import io.vmigrate.schema.operator.KnownOperator;
import io.vmigrate.schema.operator.OperatorGrants;
import io.vmigrate.schema.operator.OperatorRequestSealer;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.OperatorGrant;
import io.vmigrate.schema.topic.DeadLetterHeaders;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operators registered by entries an admin key the center is configured with signed, and withdrawn by later ones. */
class CenterOperatorGrantTest {

    private static final Duration DAY = Duration.ofDays(1);

    @TempDir
    Path dir;

    /** A key the operators file does not name. */
    private record NewOperator(KnownOperator identity, OperatorRequestSealer sealer) {
        static NewOperator make(CenterHarness center, String name, OperatorRole role) {
            CryptoSuite crypto = CryptoSuites.get(center.suite);
            PrivateKeyHandle key = crypto.generateSigningKey();
            return new NewOperator(new KnownOperator(name, role, key.publicKey()),
                    new OperatorRequestSealer(crypto.signer(key), center.clock, Duration.ofMinutes(5)));
        }
    }

    private static OperatorGrant grant(CenterHarness center, PrivateKeyHandle signer, NewOperator operator, Duration validFor,
            boolean revoked) {
        Instant now = center.clock.instant();
        return OperatorGrants.sign(CryptoSuites.get(center.suite).signer(signer), operator.identity(), now, now.plus(validFor),
                revoked, now);
    }

    private static void publish(CenterHarness center, OperatorGrant grant) {
        center.grants.pipeInput(grant.getOperatorKey().getKeyId(), grant);
    }

    private static void migrate(CenterHarness center, NewOperator by, String migrationId, String vmId, String from, String to) {
        center.requests.pipeInput(vmId, by.sealer().seal(center.migrationRequest(migrationId, vmId, from, to)));
    }

    private static List<RefusalReason> deadLetterReasons(CenterHarness center) {
        center.drain();
        return center.deadLetters.stream().map(d -> RefusalReason.valueOf(new String(
                d.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))).toList();
    }

    @Test
    void anAdminGrantedOperatorSignsMigrationsUnderItsNameUntilALaterEntryRevokesIt() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.GM, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            center.register("vm2", h1);
            NewOperator grace = NewOperator.make(center, "grace", OperatorRole.OPERATOR);

            migrate(center, grace, "m0", "vm1", "h1", "h2");
            assertThat(deadLetterReasons(center)).as("not granted yet").containsExactly(RefusalReason.UNKNOWN_SIGNER);

            OperatorGrant granted = grant(center, center.adminKey, grace, DAY, false);
            publish(center, granted);
            migrate(center, grace, "m1", "vm1", "h1", "h2");
            assertThat(center.onlyCommand("h1", MigrateOut.class).getMigrationId()).isEqualTo("m1");
            assertThat(center.onlyCommand("h2", CreateTargetVm.class).getMigrationId()).isEqualTo("m1");
            assertThat(center.state("vm1").getRequestedBy()).isEqualTo("grace");

            center.advance(Duration.ofSeconds(1));
            publish(center, grant(center, center.adminKey, grace, DAY, true));
            migrate(center, grace, "m2", "vm2", "h1", "h2");
            assertThat(center.commands("h1")).isEmpty();
            // The earlier grant, replayed, does not bring it back.
            publish(center, granted);
            migrate(center, grace, "m3", "vm2", "h1", "h2");
            assertThat(center.commands("h1")).isEmpty();
            assertThat(deadLetterReasons(center)).containsExactly(RefusalReason.UNKNOWN_SIGNER, RefusalReason.UNKNOWN_SIGNER,
                    RefusalReason.REPLAYED, RefusalReason.UNKNOWN_SIGNER);
        }
    }

    @Test
    void aGrantSignedByAnotherKeyExpiredOrForAnAdminIsRefusedDeadLetteredAndAlerted() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            PrivateKeyHandle notAdmin = CryptoSuites.get(Suite.INTL).generateSigningKey();
            NewOperator mallory = NewOperator.make(center, "mallory", OperatorRole.OPERATOR);
            NewOperator late = NewOperator.make(center, "late", OperatorRole.OPERATOR);
            NewOperator boss = NewOperator.make(center, "boss", OperatorRole.ADMIN);

            publish(center, grant(center, notAdmin, mallory, DAY, false));
            Instant now = center.clock.instant();
            publish(center, OperatorGrants.sign(CryptoSuites.get(Suite.INTL).signer(center.adminKey), late.identity(),
                    now.minus(DAY.multipliedBy(2)), now.minus(DAY), false, now.minus(DAY.multipliedBy(2))));
            publish(center, grant(center, center.adminKey, boss, DAY, false));
            OperatorGrant stretched = grant(center, center.adminKey, mallory, DAY, false);
            stretched.setRole("OPERATOR ");
            publish(center, stretched);
            // Someone bypassing the bus ACLs writes a non-admin grant straight to the registry: the store ignores it.
            OperatorGrant direct = grant(center, notAdmin, mallory, DAY, false);
            center.operatorRegistry.pipeInput(direct.getOperatorKey().getKeyId(), direct);
            center.grants.pipeInput("some-key", grant(center, center.adminKey, late, DAY, false));

            assertThat(deadLetterReasons(center)).containsExactly(RefusalReason.UNKNOWN_SIGNER, RefusalReason.EXPIRED,
                    RefusalReason.NOT_AUTHORIZED, RefusalReason.SIGNATURE_INVALID, RefusalReason.BINDING_MISMATCH);
            assertThat(center.alerts).extracting(a -> a.getReason()).containsExactly(RefusalReason.UNKNOWN_SIGNER,
                    RefusalReason.EXPIRED, RefusalReason.NOT_AUTHORIZED, RefusalReason.SIGNATURE_INVALID,
                    RefusalReason.BINDING_MISMATCH);
            center.deadLetters.clear();
            center.alerts.clear();

            migrate(center, mallory, "m1", "vm1", "h1", "h2");
            migrate(center, late, "m2", "vm1", "h1", "h2");
            migrate(center, boss, "m3", "vm1", "h1", "h2");
            assertThat(center.commands("h1")).isEmpty();
            assertThat(deadLetterReasons(center)).containsExactly(RefusalReason.UNKNOWN_SIGNER, RefusalReason.UNKNOWN_SIGNER,
                    RefusalReason.UNKNOWN_SIGNER);
        }
    }

    @Test
    void aGrantedAuditorIsRejectedAndAGrantStopsCountingWhenItExpires() throws Exception {
        try (CenterHarness center = new CenterHarness(Suite.INTL, dir)) {
            SimulatedHost h1 = center.enrolledHost("h1");
            center.enrolledHost("h2");
            center.register("vm1", h1);
            NewOperator ada = NewOperator.make(center, "ada", OperatorRole.AUDITOR);
            NewOperator brief = NewOperator.make(center, "brief", OperatorRole.OPERATOR);
            publish(center, grant(center, center.adminKey, ada, DAY, false));
            publish(center, grant(center, center.adminKey, brief, Duration.ofMinutes(10), false));

            migrate(center, ada, "m1", "vm1", "h1", "h2");
            assertThat(center.rejectionsTopic.readValuesToList()).extracting(MigrationRejected::getReason)
                    .containsExactly(RefusalReason.NOT_AUTHORIZED);

            center.advance(Duration.ofMinutes(20));
            migrate(center, brief, "m2", "vm1", "h1", "h2");
            assertThat(center.commands("h1")).isEmpty();
            assertThat(deadLetterReasons(center)).containsExactly(RefusalReason.UNKNOWN_SIGNER);
        }
    }
}

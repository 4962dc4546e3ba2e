package io.vmigrate.cli;

import io.vmigrate.cli.operator.OperatorGrantPublisher;
import io.vmigrate.cli.operator.SealedSigningKey;
import io.vmigrate.schema.operator.KnownOperator;
import io.vmigrate.schema.operator.OperatorGrants;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.operator.OperatorsFile;
import io.vmigrate.schema.request.OperatorGrant;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.PublicKeyHandle;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code operator grant NAME --role R --key FILE} and {@code operator revoke NAME --key FILE}: an entry
 * signed by the admin key, published on {@code operator.grants}; the center trusts (or stops trusting)
 * the key once it has verified the entry. FILE holds the line {@code vmigrate operator init} printed.
 */
final class OperatorGrantCommands {

    private OperatorGrantCommands() {}

    /** What grant and revoke share: the cluster, the admin key, the operator's public key, the wait. */
    static final class GrantOptions {
        @Mixin
        ClusterOptions cluster;

        @Mixin
        AdminKeyOptions admin;

        @Parameters(index = "0", paramLabel = "NAME", description = "Name the operator is known by.")
        String name;

        @Option(names = "--key", required = true, paramLabel = "FILE",
                description = "File with the operator's public key: the line 'vmigrate operator init' printed.")
        Path keyFile;

        @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
                description = "How long to wait for the center (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        int publish(CommandSpec spec, OperatorRole role, Duration validFor, boolean revoked) throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (!KnownOperator.isValidName(name)) {
                throw new IllegalArgumentException("invalid operator name '" + name + "'");
            }
            SealedSigningKey adminKey = admin.open(cluster.dataDir);
            List<KnownOperator> listed = OperatorsFile.read(keyFile, adminKey.publicKey().suite()).operators();
            if (listed.size() != 1) {
                throw new IllegalArgumentException(keyFile + " must hold exactly one operator key line, it holds " + listed.size());
            }
            PublicKeyHandle key = listed.get(0).publicKey();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            OperatorGrant grant = OperatorGrants.sign(adminKey.signer(), new KnownOperator(name, role, key), now,
                    now.plus(validFor), revoked, now);
            OperatorGrantPublisher publisher = new OperatorGrantPublisher(cluster.clientProperties(), Topics.withDefaultWireFormat());
            publisher.publish(grant);
            String what = revoked ? "revoked" : role.name().toLowerCase(java.util.Locale.ROOT) + " until " + grant.getValidUntil();
            if (publisher.awaitTaken(grant, timeout)) {
                out.printf("operator %s (key %s) is %s (grant %s)%n", name, key.keyId(), what, grant.getGrantId());
                return 0;
            }
            out.printf("the center did not take grant %s for %s within %s (see vmigrate.dead-letter and security.alerts)%n",
                    grant.getGrantId(), name, timeout);
            return MigrateCommand.REJECTED;
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true,
            description = "Register an operator or auditor key by an entry the admin key signs.")
    static final class Grant implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Mixin
        private GrantOptions grant;

        @Option(names = "--role", defaultValue = "OPERATOR", description = "OPERATOR or AUDITOR (default: ${DEFAULT-VALUE}).")
        private OperatorRole role;

        @Option(names = "--valid-for", defaultValue = "90d", converter = DurationConverter.class,
                description = "How long the grant is valid (default: ${DEFAULT-VALUE}).")
        private Duration validFor;

        @Override
        public Integer call() throws IOException {
            if (role == OperatorRole.ADMIN) {
                throw new IllegalArgumentException("the ADMIN role is configured at the center, never granted");
            }
            if (validFor.isNegative() || validFor.isZero()) {
                throw new IllegalArgumentException("--valid-for must be positive");
            }
            return grant.publish(spec, role, validFor, false);
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Withdraw an operator key registered by 'operator grant', by a later entry the admin key signs.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Mixin
        private GrantOptions grant;

        @Override
        public Integer call() throws IOException {
            return grant.publish(spec, OperatorRole.AUDITOR, Duration.ofMillis(1), true);
        }
    }
}

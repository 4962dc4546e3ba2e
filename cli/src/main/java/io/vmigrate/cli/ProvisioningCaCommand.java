package io.vmigrate.cli;

import io.vmigrate.cli.operator.SealedSigningKey;
import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.schema.registry.ProvisioningStatement;
import io.vmigrate.schema.registry.ProvisioningStatementFile;
import io.vmigrate.schema.registry.ProvisioningStatements;
import io.vmigrate.schema.topic.HostIds;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.Suite;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The issuing side of host approval by a provisioning CA: {@code init} makes the CA key and prints
 * the line for the center's {@code vmigrate.center.hosts.provisioning.ca.file}; {@code issue} signs a
 * statement for one host id and its secure-zone signing-key fingerprint, for the host agent's
 * {@code vmigrate.host.provisioning.statement.file}.
 */
@Command(name = "provisioning-ca", mixinStandardHelpOptions = true,
        description = "Manage a provisioning CA whose statements approve hosts at enrollment.",
        subcommands = {ProvisioningCaCommand.Init.class, ProvisioningCaCommand.Issue.class})
final class ProvisioningCaCommand implements Runnable {

    static final String ALIAS = "provisioning-ca-signing";
    static final String PASSWORD_ENV = "VMIGRATE_PROVISIONING_CA_PASSWORD";

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Which CA key store, and its password. */
    static final class CaKeyOptions {
        @Option(names = "--ca-key", description = "Sealed key store of the CA key (default: <data-dir>/provisioning-ca/ca.bcfks).")
        Path keyStore;

        @Option(names = "--password-file", description = "File holding the CA key store's password (default: "
                + PASSWORD_ENV + ", else a prompt).")
        Path passwordFile;

        @Option(names = "--data-dir", defaultValue = "${env:VMIGRATE_DATA_DIR:-.vmigrate}",
                description = "Data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        Path store() {
            return keyStore != null ? keyStore : dataDir.resolve("provisioning-ca").resolve("ca.bcfks");
        }

        char[] password(boolean creating) {
            return KeyPasswords.read(store(), passwordFile, PASSWORD_ENV, creating);
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create a provisioning CA key in a password-sealed store and print its line for the center's "
                    + "provisioning CA file.")
    static final class Init implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private CaKeyOptions key;

        @Option(names = "--name", defaultValue = "provisioning-ca", description = "Name the center knows the CA by (default: ${DEFAULT-VALUE}).")
        private String name;

        @Option(names = "--suite", defaultValue = "gm", description = "Crypto suite of the key, the center's: gm or intl (default: ${DEFAULT-VALUE}).")
        private String suite;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path store = key.store();
            Files.createDirectories(store.toAbsolutePath().getParent());
            char[] password = key.password(true);
            SealedSigningKey created;
            try {
                created = SealedSigningKey.create(store, password, Suite.parse(suite), ALIAS);
            } finally {
                Arrays.fill(password, '\0');
            }
            String line = TrustAnchors.line(new TrustAnchors.Anchor(name, created.publicKey()));
            out.printf("created provisioning CA key %s in %s%n", created.publicKey().keyId(), store);
            out.printf("add this line to the center's provisioning CA file (%s):%n", "vmigrate.center.hosts.provisioning.ca.file");
            out.println(line);
            out.flush();
            return 0;
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = "Sign a provisioning statement for HOST whose secure zone signs with the key of fingerprint FP "
                    + "(read it from the zone, out of band: 'vmigrate hosts' shows a pending host's).")
    static final class Issue implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private CaKeyOptions key;

        @Parameters(index = "0", paramLabel = "HOST", description = "Host id.")
        private String hostId;

        @Option(names = "--fingerprint", required = true, paramLabel = "FP",
                description = "Key id of the host's secure-zone signing key (32 hex digits).")
        private String fingerprint;

        @Option(names = "--valid-for", defaultValue = "365d", converter = DurationConverter.class,
                description = "How long the statement is valid (default: ${DEFAULT-VALUE}).")
        private Duration validFor;

        @Option(names = "--out", description = "Statement file to write (default: HOST.provisioning in the working directory).")
        private Path outFile;

        @Override
        public Integer call() throws SealedKeyStoreException, java.io.IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (!HostIds.isValid(hostId)) {
                throw new IllegalArgumentException("invalid host id '" + hostId + "'");
            }
            if (fingerprint == null || !fingerprint.matches("[0-9a-f]{32}")) {
                throw new IllegalArgumentException("a fingerprint is 32 lower-case hex digits");
            }
            if (validFor.isNegative() || validFor.isZero()) {
                throw new IllegalArgumentException("--valid-for must be positive");
            }
            char[] password = key.password(false);
            SealedSigningKey ca;
            try {
                ca = SealedSigningKey.open(key.store(), password, ALIAS, "vmigrate provisioning-ca init");
            } finally {
                Arrays.fill(password, '\0');
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            ProvisioningStatement statement = ProvisioningStatements.issue(ca.signer(), hostId, fingerprint, now, now.plus(validFor));
            Path file = outFile != null ? outFile : Path.of(hostId + ".provisioning");
            ProvisioningStatementFile.write(file, statement);
            out.printf("wrote the provisioning statement of host %s (secure-zone key %s), valid until %s, to %s%n",
                    hostId, fingerprint, statement.getExpiresAt(), file);
            out.printf("give it to the host agent: %s=%s%n", "vmigrate.host.provisioning.statement.file", file);
            out.flush();
            return 0;
        }
    }
}

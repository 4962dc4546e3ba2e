package io.vmigrate.cli;

import io.vmigrate.cli.operator.OperatorKey;
import io.vmigrate.schema.operator.KnownOperator;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.operator.OperatorsFile;
import io.vmigrate.trust.Suite;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Operator identities: {@code operator init} makes a key and prints the line the center's operators file needs;
 * {@code operator grant} and {@code operator revoke} register or withdraw one by an entry the admin key signs.
 */
@Command(name = "operator", mixinStandardHelpOptions = true, description = "Manage operator keys.",
        subcommands = {OperatorCommand.Init.class, OperatorGrantCommands.Grant.class, OperatorGrantCommands.Revoke.class})
final class OperatorCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create an operator key in a password-sealed store and print its entry for the center's operators file.")
    static final class Init implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private OperatorKeyOptions key;

        @Option(names = "--name", defaultValue = "${sys:user.name}", description = "Name the center knows the key by (default: ${DEFAULT-VALUE}).")
        private String name;

        @Option(names = "--role", defaultValue = "OPERATOR", description = "OPERATOR, AUDITOR or ADMIN (default: ${DEFAULT-VALUE}).")
        private OperatorRole role;

        @Option(names = "--suite", defaultValue = "gm", description = "Crypto suite of the key: gm or intl (default: ${DEFAULT-VALUE}).")
        private String suite;

        @Option(names = "--data-dir", defaultValue = "${env:VMIGRATE_DATA_DIR:-.vmigrate}",
                description = "Data directory whose operators/ folder holds the default key store (default: ${DEFAULT-VALUE}).")
        private Path dataDir;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!KnownOperator.isValidName(name)) {
                throw new IllegalArgumentException("invalid operator name '" + name + "'");
            }
            Path store = key.keyStore(dataDir);
            java.nio.file.Files.createDirectories(store.toAbsolutePath().getParent());
            char[] password = key.password(store, true);
            OperatorKey created;
            try {
                created = OperatorKey.create(store, password, Suite.parse(suite));
            } finally {
                java.util.Arrays.fill(password, '\0');
            }
            out.printf("created operator key %s in %s%n", created.publicKey().keyId(), store);
            out.printf("add this line to the center's operators file (%s):%n", "vmigrate.center.operators.file");
            out.println(OperatorsFile.line(new KnownOperator(name, role, created.publicKey())));
            out.flush();
            return 0;
        }
    }
}

package io.vmigrate.cli;

import io.vmigrate.cli.operator.SealedSigningKey;
import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.trust.Suite;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The admin key that registers operators: {@code admin init} makes it and prints the line for the center's admin-key file. */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Manage the admin key that grants operator identities.",
        subcommands = AdminCommand.Init.class)
final class AdminCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create an admin key in a password-sealed store and print its line for the center's admin-key file.")
    static final class Init implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Mixin
        private AdminKeyOptions key;

        @Option(names = "--name", defaultValue = "admin", description = "Name the center knows the key by (default: ${DEFAULT-VALUE}).")
        private String name;

        @Option(names = "--suite", defaultValue = "gm", description = "Crypto suite of the key, the center's: gm or intl (default: ${DEFAULT-VALUE}).")
        private String suite;

        @Option(names = "--data-dir", defaultValue = "${env:VMIGRATE_DATA_DIR:-.vmigrate}",
                description = "Data directory whose admin/ folder holds the default key store (default: ${DEFAULT-VALUE}).")
        private Path dataDir;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path store = key.store(dataDir);
            Files.createDirectories(store.toAbsolutePath().getParent());
            char[] password = key.password(dataDir, true);
            SealedSigningKey created;
            try {
                created = SealedSigningKey.create(store, password, Suite.parse(suite), AdminKeyOptions.ALIAS);
            } finally {
                Arrays.fill(password, '\0');
            }
            out.printf("created admin key %s in %s%n", created.publicKey().keyId(), store);
            out.printf("add this line to the center's admin-key file (%s):%n", "vmigrate.center.admin.key.file");
            out.println(TrustAnchors.line(new TrustAnchors.Anchor(name, created.publicKey())));
            out.flush();
            return 0;
        }
    }
}

package io.vmigrate.cli;

import io.vmigrate.cli.operator.Operator;
import io.vmigrate.forensics.TrustedKeys;
import io.vmigrate.schema.operator.CenterKeyRotationRequests;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.PublicKeyHandle;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Administration of the center itself: rolling its signing key. */
@Command(name = "center", mixinStandardHelpOptions = true, description = "Administer the center.",
        subcommands = {CenterCommand.RotateKey.class})
final class CenterCommand {

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = {"Ask the center to roll its signing key (a signed request; the key must have the ADMIN role).",
                    "The center announces the new key to every approved host's secure zone, signed by the current key, "
                            + "then signs with the new one; the old key stays valid for the configured overlap."})
    static final class RotateKey implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClusterOptions cluster;
        @Mixin
        private OperatorKeyOptions key;
        @Mixin
        private HostsCommand.CenterKeyOption centerKey;
        @Option(names = "--wait", description = "Wait until the new key is on the trust registry, chained to the "
                + "pinned center key, and print its id.")
        private boolean await;
        @Option(names = "--timeout", defaultValue = "120s", converter = DurationConverter.class,
                description = "How long --wait waits for the center (default: ${DEFAULT-VALUE}).")
        private Duration timeout;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Clock clock = Clock.systemUTC();
            Topics topics = Topics.withDefaultWireFormat();
            Operator operator = new Operator(cluster.clientProperties(), topics, clock, key.open(cluster.dataDir).sealer(clock));
            PublicKeyHandle pinned = centerKey.publicKey(cluster.dataDir);
            Set<String> known = await ? operator.centerKeyIds() : Set.of();
            String requestId = operator.sendHostRequest(CenterKeyRotationRequests.body());
            out.printf("center key rotation requested (request %s)%n", requestId);
            if (!await) {
                out.flush();
                return 0;
            }
            Optional<String> newKey = operator.awaitNewCenterKey(known, timeout);
            if (newKey.isPresent() && TrustedKeys.loadFromCluster(cluster.clientProperties(), Optional.of(pinned), topics)
                    .centerKey(newKey.get(), clock.instant()).isPresent()) {
                out.printf("center signs with key %s%n", newKey.get());
                out.flush();
                return 0;
            }
            out.printf("no new center key chained to %s after %s; the center refused request %s or has not rotated yet "
                    + "(see vmigrate.dead-letter and security.alerts)%n", pinned.keyId(), timeout, requestId);
            out.flush();
            return MigrateCommand.REJECTED;
        }
    }
}

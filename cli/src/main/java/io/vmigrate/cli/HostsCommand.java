package io.vmigrate.cli;

import io.vmigrate.cli.operator.HostBusAccess;
import io.vmigrate.cli.operator.HostListing;
import io.vmigrate.cli.operator.Operator;
import io.vmigrate.schema.keys.CenterPublicKeyFile;
import io.vmigrate.schema.request.HostApproval;
import io.vmigrate.schema.request.HostRetirement;
import io.vmigrate.schema.topic.Topics;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PublicKeyHandle;
import io.vmigrate.trust.Verifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The hosts the center knows (pending, approved, retired, with the fingerprint of each one's
 * secure-zone signing key), read from the center-signed entries on {@code trust.registry}; and the
 * operator's signed approvals and retirements.
 */
@Command(name = "hosts", mixinStandardHelpOptions = true,
        description = "List hosts with their state and secure-zone key fingerprint; approve or retire one.",
        subcommands = {HostsCommand.Approve.class, HostsCommand.Retire.class})
final class HostsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private ClusterOptions cluster;

    @Mixin
    private CenterKeyOption centerKey;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Operator reader = new Operator(cluster.clientProperties(), Topics.withDefaultWireFormat(), Clock.systemUTC());
        HostListing listing = reader.hosts(centerKey.verifier(cluster.dataDir));
        out.printf("%-12s %-9s %s%n", "HOST", "STATE", "SECURE-ZONE KEY FINGERPRINT");
        listing.hosts().forEach(host -> out.printf("%-12s %-9s %s%n", host.hostId(),
                host.state().name().toLowerCase(java.util.Locale.ROOT), host.fingerprint()));
        if (listing.unsignedEntries() > 0) {
            out.printf("(%d host entries on trust.registry are not signed by the center and were ignored)%n",
                    listing.unsignedEntries());
        }
        out.flush();
        return 0;
    }

    /** The center public key that registry entries must be signed by. */
    static final class CenterKeyOption {
        @Option(names = "--center-key", description = "The center's public key file "
                + "(default: <data-dir>/center/center-public-key.properties, as 'vmigrate up' writes it).")
        Path file;

        Verifier verifier(Path dataDir) {
            PublicKeyHandle key = publicKey(dataDir);
            return CryptoSuites.get(key.suite()).verifier(key);
        }

        /** The pinned (first) center key; rotations chain from it. */
        PublicKeyHandle publicKey(Path dataDir) {
            Path path = file != null ? file : dataDir.resolve("center").resolve("center-public-key.properties");
            try {
                return CenterPublicKeyFile.read(path);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the center public key " + path + ": " + e.getMessage()
                        + " (pass --center-key)", e);
            }
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = "Approve a pending host by the fingerprint of its secure-zone signing key (compare it out of band).")
    static final class Approve implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClusterOptions cluster;
        @Mixin
        private OperatorKeyOptions key;
        @Mixin
        private CenterKeyOption centerKey;
        @Parameters(paramLabel = "HOST", description = "Host id.")
        private String hostId;
        @Option(names = "--fingerprint", required = true, description = "Key id of the host's secure-zone signing key.")
        private String fingerprint;
        @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
                description = "How long to wait for the center (default: ${DEFAULT-VALUE}).")
        private Duration timeout;

        @Override
        public Integer call() {
            return send(spec, cluster, key, centerKey, hostId, HostApproval.newBuilder().setHostId(hostId)
                    .setFingerprint(fingerprint).build(), HostListing.State.APPROVED, timeout);
        }
    }

    @Command(name = "retire", mixinStandardHelpOptions = true,
            description = {"Retire a host: its bus login and ACLs are removed (it can no longer read its command topic)"
                    + " and the center refuses its keys from now on.",
                    "Removing bus access needs a login allowed to alter ACLs: --admin-config, or the admin login"
                    + " 'vmigrate up' wrote under --data-dir."})
    static final class Retire implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClusterOptions cluster;
        @Mixin
        private OperatorKeyOptions key;
        @Mixin
        private CenterKeyOption centerKey;
        @Parameters(paramLabel = "HOST", description = "Host id.")
        private String hostId;
        @Option(names = "--admin-config", description = "Kafka client settings of a login allowed to alter ACLs and "
                + "SCRAM credentials (default: <data-dir>/clients/admin.properties of a cluster 'vmigrate up' runs).")
        private Path adminConfig;
        @Option(names = "--keep-bus-access", description = "Only ask the center to retire the host; leave its bus "
                + "login and ACLs (for buses whose principals are managed elsewhere).")
        private boolean keepBusAccess;
        @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
                description = "How long to wait for the center (default: ${DEFAULT-VALUE}).")
        private Duration timeout;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (!keepBusAccess) {
                // First, and before the center is asked: a login that may not alter ACLs fails here with nothing
                // done, and a host cut off from the bus is the safe half of a retirement that stops midway.
                Map<String, Object> admin = cluster.adminClientProperties(adminConfig).orElseThrow(() ->
                        new IllegalArgumentException("retiring " + hostId + " removes its bus access, which needs a "
                                + "login allowed to alter ACLs: pass --admin-config FILE (none at "
                                + cluster.dataDirAdminFile() + "), or --keep-bus-access to retire it at the center only"));
                HostBusAccess.Revocation revoked;
                try {
                    revoked = new HostBusAccess(admin).revokeHost(hostId);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(e.getMessage() + " (" + (adminConfig != null ? "the login in "
                            + adminConfig : "the admin login of " + cluster.dataDirAdminFile())
                            + " must be allowed to alter ACLs and SCRAM credentials); the host was not retired", e);
                }
                out.printf("bus access of %s revoked: %d ACL(s) deleted, SCRAM credential %s%n", revoked.principal(),
                        revoked.aclsDeleted(), revoked.credentialDeleted() ? "deleted" : "already absent");
                out.flush();
            }
            return send(spec, cluster, key, centerKey, hostId, HostRetirement.newBuilder().setHostId(hostId).build(),
                    HostListing.State.RETIRED, timeout);
        }
    }

    private static int send(CommandSpec spec, ClusterOptions cluster, OperatorKeyOptions key, CenterKeyOption centerKey,
            String hostId, org.apache.avro.specific.SpecificRecord request, HostListing.State expected, Duration timeout) {
        PrintWriter out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        Operator operator = new Operator(cluster.clientProperties(), Topics.withDefaultWireFormat(), clock,
                key.open(cluster.dataDir).sealer(clock));
        Verifier center = centerKey.verifier(cluster.dataDir);
        String requestId = operator.sendHostRequest(request);
        if (operator.awaitHostState(hostId, expected, center, timeout)) {
            out.printf("host %s is %s (request %s)%n", hostId, expected.name().toLowerCase(java.util.Locale.ROOT), requestId);
            return 0;
        }
        out.printf("host %s is not %s after %s; the center refused request %s (see vmigrate.dead-letter and security.alerts)%n",
                hostId, expected.name().toLowerCase(java.util.Locale.ROOT), timeout, requestId);
        return MigrateCommand.REJECTED;
    }
}

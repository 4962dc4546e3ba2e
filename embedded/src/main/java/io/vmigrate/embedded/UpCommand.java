package io.vmigrate.embedded;

import io.vmigrate.cli.datadir.BrokerAddressFile;
import io.vmigrate.embedded.broker.ListenerSecurity;
import io.vmigrate.trust.Suite;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the whole system on one machine until interrupted: a real single-node KRaft broker (unless
 * {@code --bootstrap} names an external cluster), the center, and N hosts with sample VMs.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a broker, the center and N hosts (secure zone + agent each), enroll them, register sample VMs, and run until interrupted.")
final class UpCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--hosts", defaultValue = "3", description = "Number of hosts (default: ${DEFAULT-VALUE}).")
    private int hosts;

    @Option(names = "--vms-per-host", defaultValue = "2", description = "Sample VMs per host (default: ${DEFAULT-VALUE}).")
    private int vmsPerHost;

    @Option(names = "--suite", defaultValue = "gm", converter = SuiteConverter.class,
            description = "Crypto suite: gm (SM2/SM3/SM4) or intl (Ed25519/HPKE/SHA-256/AES-GCM) (default: ${DEFAULT-VALUE}).")
    private Suite suite;

    @Option(names = "--data-dir", defaultValue = "${env:VMIGRATE_DATA_DIR:-.vmigrate}",
            description = "Where the broker, keys and state live (default: ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--bootstrap", description = "Use this external Kafka cluster instead of an embedded broker.")
    private String bootstrap;

    @Option(names = "--tls", description = "Run the embedded broker's listeners SASL_SSL with certificates vmigrate "
            + "generates (a CA of its own under <data-dir>/tls/); default: SASL_PLAINTEXT on loopback.")
    private boolean tls;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (tls && bootstrap != null) {
            throw new IllegalArgumentException("--tls makes the embedded broker's certificates; an external cluster "
                    + "(--bootstrap) brings its own TLS settings");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        out.printf("starting vmigrate in %s (%d hosts, %d VMs each, suite %s)...%n", dataDir.toAbsolutePath(), hosts,
                vmsPerHost, suite.name().toLowerCase(java.util.Locale.ROOT));
        out.flush();
        EmbeddedSystem system = EmbeddedSystem.builder().dataDir(dataDir).hosts(hosts).vmsPerHost(vmsPerHost)
                .suite(suite).externalBootstrap(bootstrap)
                .listenerSecurity(tls ? ListenerSecurity.SASL_SSL : ListenerSecurity.SASL_PLAINTEXT).build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            system.close();
            stopped.countDown();
        }, "vmigrate-shutdown"));
        system.start();
        printWhereItListens(out, system);
        out.printf("Press Ctrl-C to stop.%n");
        out.flush();
        stopped.await();
        return 0;
    }

    private static java.util.List<String> principalNames(EmbeddedSystem system) {
        java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of(
                io.vmigrate.embedded.broker.KafkaNodeGroup.SUPER_USER));
        system.busPrincipals().forEach(principal -> names.add(principal.name()));
        return names;
    }

    static void printWhereItListens(PrintWriter out, EmbeddedSystem system) {
        out.printf("vmigrate is up.%n");
        out.printf("  Kafka bootstrap: %s%s%n", system.bootstrapServers(),
                BrokerAddressFile.read(system.dataDir()).isPresent()
                        ? " (recorded in " + BrokerAddressFile.location(system.dataDir()) + ")" : "");
        if (java.nio.file.Files.isDirectory(system.dataDir().resolve(io.vmigrate.cli.datadir.ClientConfigFiles.DIRECTORY))) {
            out.printf("  Kafka logins (SASL SCRAM-SHA-512, one per principal, mode 0600): %s/{%s}.properties (kcat: .kcat.conf)%n",
                    system.dataDir().resolve(io.vmigrate.cli.datadir.ClientConfigFiles.DIRECTORY),
                    String.join(",", principalNames(system)));
        }
        system.tlsTrust().ifPresent(trust -> out.printf("  TLS (SASL_SSL): clients trust the bus CA only: %s (PKCS#12), %s (PEM)%n",
                trust.truststore(), trust.caCertificatePem()));
        out.printf("  center: application %s, center key %s%n", "vmigrate-center",
                system.center().centerPublicKey().keyId());
        out.printf("  center status API: %s (recorded in %s), metrics: %s/metrics%n", system.centerStatusUrl(),
                io.vmigrate.cli.datadir.StatusUrlFile.location(system.dataDir()), system.centerStatusUrl());
        for (String hostId : system.hostIds()) {
            out.printf("  host %s: commands on %s, secure zone at %s, metrics: %s%n", hostId,
                    system.topics().hostCommands(hostId).name(),
                    system.dataDir().resolve("hosts").resolve(hostId).resolve("secure-zone.sock"),
                    system.host(hostId).agentMetricsUrl().map(Object::toString).orElse("(none)"));
        }
        out.printf("  VMs: %s%n", String.join(", ", system.sampleVmIds()));
        out.printf("  operator key: %s (signs your requests), auditor key: %s (reads only); hosts pre-approved in %s%n",
                system.dataDir().resolve("operators").resolve("operator.bcfks"),
                system.dataDir().resolve("operators").resolve("auditor.bcfks"),
                system.dataDir().resolve("center").resolve("hosts-allowlist"));
        out.printf("Try: ./vmigrate vms   |   ./vmigrate migrate --vm %s --to %s --wait   |   ./vmigrate status --in-flight%n",
                system.sampleVmIds().isEmpty() ? "vm-1" : system.sampleVmIds().get(0),
                system.hostIds().get(system.hostIds().size() > 1 ? 1 : 0));
    }
}

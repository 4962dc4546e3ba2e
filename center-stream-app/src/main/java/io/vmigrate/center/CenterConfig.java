package io.vmigrate.center;

import io.vmigrate.schema.config.ConfigValidators;
import io.vmigrate.schema.serde.WireFormat;
import io.vmigrate.trust.Suite;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Typed, validated configuration of the center. The topology is built from it; nothing reads
 * properties elsewhere.
 */
public final class CenterConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String APPLICATION_ID = "application.id";
    public static final String SUITE = "vmigrate.suite";
    public static final String WIRE_FORMAT = WireFormat.CONFIG;
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String POLL_MS = "poll.ms";
    public static final String VAULT_PATH = "vmigrate.center.vault.path";
    public static final String VAULT_PASSWORD = "vmigrate.center.vault.password";
    public static final String DEFAULT_DEADLINE_MS = "vmigrate.migration.default.deadline.ms";
    public static final String MAX_DEADLINE_MS = "vmigrate.migration.max.deadline.ms";
    public static final String COMMAND_TTL_MS = "vmigrate.command.ttl.ms";
    public static final String MIGRATION_RETENTION_MS = "vmigrate.migration.retention.ms";
    public static final String MIGRATION_ID_CLAIM_RETENTION_MS = "vmigrate.migration.id.claim.retention.ms";
    public static final String KEY_ROTATION_OVERLAP_MS = "vmigrate.center.key.rotation.overlap.ms";
    public static final String STATE_DIR = "state.dir";
    public static final String INTERNAL_REPLICATION_FACTOR = "replication.factor";
    public static final String DEREGISTER_RETRY_MS = "vmigrate.center.deregister.retry.ms";
    public static final String PUNCTUATION_INTERVAL_MS = "vmigrate.center.punctuation.interval.ms";
    public static final String ALLOWED_CLOCK_SKEW_MS = "vmigrate.clock.skew.ms";
    public static final String PUBLIC_KEY_PATH = "vmigrate.center.public.key.path";
    public static final String PROVISION_TOPICS = "vmigrate.center.provision.topics";
    public static final String TOPIC_PARTITIONS = "vmigrate.topic.partitions";
    public static final String HTTP_HOST = "vmigrate.center.http.host";
    public static final String HTTP_PORT = "vmigrate.center.http.port";
    public static final String HTTP_ADVERTISED_HOST = "vmigrate.center.http.advertised.host";
    public static final String HTTP_FORWARD_TIMEOUT_MS = "vmigrate.center.http.forward.timeout.ms";
    public static final String OPERATORS_FILE = "vmigrate.center.operators.file";
    public static final String HOSTS_ALLOWLIST_FILE = "vmigrate.center.hosts.allowlist.file";
    public static final String HOSTS_PROVISIONING_CA_FILE = "vmigrate.center.hosts.provisioning.ca.file";
    public static final String ADMIN_KEY_FILE = "vmigrate.center.admin.key.file";
    /** Originals with this prefix are handed to Kafka Streams with the prefix removed (e.g. security settings). */
    public static final String STREAMS_PASSTHROUGH_PREFIX = "streams.";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Kafka brokers to bootstrap from, host:port.")
            .define(APPLICATION_ID, Type.STRING, "vmigrate-center", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka Streams application id; every center instance of one deployment shares it.")
            .define(SUITE, Type.STRING, "gm", ConfigValidators.suite(), Importance.HIGH,
                    "Crypto suite: gm (SM2/SM3/SM4) or intl (Ed25519/HPKE/SHA-256/AES-GCM).")
            .define(WIRE_FORMAT, Type.STRING, WireFormat.DEFAULT.configValue(), ConfigValidators.wireFormat(),
                    Importance.MEDIUM, "How record values are framed on Kafka.")
            // Measured on one broker: EOS's default 100 ms commit interval costs ~108 ms per hop; 1 ms
            // plus a small poll brings it to ~3 ms. On a 3-broker cluster each commit costs ~50 ms.
            .define(COMMIT_INTERVAL_MS, Type.LONG, 1L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Kafka Streams commit interval (exactly-once). Small values cut per-hop latency.")
            .define(POLL_MS, Type.LONG, 5L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Kafka Streams poll timeout.")
            .define(VAULT_PATH, Type.STRING, "center-vault.bcfks", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Sealed keystore holding the center signing key and the key-encryption key.")
            .define(VAULT_PASSWORD, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Password that seals the center vault.")
            .define(DEFAULT_DEADLINE_MS, Type.LONG, 120_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Deadline of a migration whose request names none.")
            .define(MAX_DEADLINE_MS, Type.LONG, 3_600_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "The latest deadline a request may name, from the time the center reads it; a request asking for "
                            + "more is rejected (a migration may hold a VM's next key for at most this long).")
            .define(COMMAND_TTL_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "How long a signed command stays valid.")
            .define(MIGRATION_RETENTION_MS, Type.LONG, 7 * 86_400_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "How long the center keeps a finished migration (the status API and a repeated request answer for "
                            + "it) before forgetting it; forensics reads the topics for older ones. At least "
                            + MAX_DEADLINE_MS + ": a request repeated after this long is refused as a reused id.")
            .define(MIGRATION_ID_CLAIM_RETENTION_MS, Type.LONG, 30 * 86_400_000L, ConfigDef.Range.atLeast(1),
                    Importance.LOW, "How long a claimed migration id is remembered, so that no other migration can use "
                            + "it; at least " + MIGRATION_RETENTION_MS + ". After it an id could be used again, by a "
                            + "request an operator signs anew (a signed request itself expires long before).")
            .define(KEY_ROTATION_OVERLAP_MS, Type.LONG, 3_600_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "After a center key rotation, how long the old key stays valid next to the new one (secure zones "
                            + "accept commands it signed until then, forensics verifies its records up to then). At "
                            + "least " + COMMAND_TTL_MS + ", so every command signed just before the switch stays valid.")
            .define(STATE_DIR, Type.STRING, defaultStateDir(), new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Directory of the Kafka Streams state stores (migrations, bindings, vm-keys). Never wiped at start.")
            .define(INTERNAL_REPLICATION_FACTOR, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Replication factor of the center's changelog topics (and of topics it provisions): 1 on a single "
                            + "node, 3 on a production cluster.")
            .define(DEREGISTER_RETRY_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "After commit, how often an unacknowledged DeregisterVm is sent again (a fresh envelope each time).")
            .define(PUNCTUATION_INTERVAL_MS, Type.LONG, 500L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Wall-clock interval at which deadlines are checked and deregisters retried.")
            .define(ALLOWED_CLOCK_SKEW_MS, Type.LONG, 30_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "Clock skew tolerated when checking a reply's validity window.")
            .define(PUBLIC_KEY_PATH, Type.STRING, "", Importance.MEDIUM,
                    "If set, the center public key is written there at start (SPKI DER, base64, with suite and key "
                            + "id) so that hosts can be provisioned without the vault password.")
            .define(PROVISION_TOPICS, Type.BOOLEAN, true, Importance.LOW,
                    "Create the shared protocol topics at start if they are missing (existing topics are left alone).")
            .define(TOPIC_PARTITIONS, Type.INT, 3, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Partitions of the topics the center provisions; every topic it consumes by VM id gets the same count.")
            .define(HTTP_HOST, Type.STRING, "localhost", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Address the status and metrics HTTP server binds to (0.0.0.0 for every interface).")
            .define(HTTP_PORT, Type.INT, 0, ConfigDef.Range.between(-1, 65535), Importance.MEDIUM,
                    "Port of the status and metrics HTTP server: 0 picks a free port, -1 serves no HTTP at all.")
            .define(HTTP_ADVERTISED_HOST, Type.STRING, "", Importance.MEDIUM,
                    "Host name other center instances use to reach this one (Kafka Streams application.server); "
                            + "empty: the bind address, or this machine's name if that is a wildcard.")
            .define(HTTP_FORWARD_TIMEOUT_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How long a status request forwarded to another center instance may take.")
            .define(OPERATORS_FILE, Type.STRING, "", Importance.HIGH,
                    "File of the operator keys the center trusts, one per line: name, role (OPERATOR, AUDITOR, ADMIN), "
                            + "suite, key id, public key (base64 SPKI); 'vmigrate operator init' prints a line. Every "
                            + "request on migration.requests and host.approvals must be signed by one of them; empty: "
                            + "no operator is known and every request is refused.")
            .define(HOSTS_ALLOWLIST_FILE, Type.STRING, "", Importance.MEDIUM,
                    "File of pre-approved hosts, one per line: host id and the fingerprint (key id) of its secure-zone "
                            + "signing key. A host listed here is trusted as soon as it enrolls with that key; any other "
                            + "host stays pending until an operator approves it. Empty: no host is pre-approved.")
            .define(HOSTS_PROVISIONING_CA_FILE, Type.STRING, "", Importance.MEDIUM,
                    "File of the provisioning CAs' public keys, one per line: name, suite, key id, public key (base64 "
                            + "SPKI); 'vmigrate provisioning-ca init' prints a line. A host that enrolls presenting an "
                            + "unexpired statement of one of them for its host id and its secure-zone signing key is "
                            + "trusted at once; any other statement leaves it pending, with an alert. Empty: no CA.")
            .define(ADMIN_KEY_FILE, Type.STRING, "", Importance.MEDIUM,
                    "File of the admin public keys, one per line: name, suite, key id, public key (base64 SPKI); "
                            + "'vmigrate admin init' prints a line. An operator or auditor granted by one of them on "
                            + "operator.grants ('vmigrate operator grant') is trusted like one of the operators file, "
                            + "until its grant expires or a later one revokes it. Empty: no admin key, every grant refused.");

    public CenterConfig(Map<?, ?> originals) {
        super(DEFINITION, originals, false);
        if (getLong(DEREGISTER_RETRY_MS) < getLong(PUNCTUATION_INTERVAL_MS)) {
            throw new ConfigException(DEREGISTER_RETRY_MS, getLong(DEREGISTER_RETRY_MS),
                    "must not be shorter than " + PUNCTUATION_INTERVAL_MS + " (" + getLong(PUNCTUATION_INTERVAL_MS) + ")");
        }
        if (getLong(KEY_ROTATION_OVERLAP_MS) < getLong(COMMAND_TTL_MS)) {
            throw new ConfigException(KEY_ROTATION_OVERLAP_MS, getLong(KEY_ROTATION_OVERLAP_MS),
                    "must not be shorter than " + COMMAND_TTL_MS + " (" + getLong(COMMAND_TTL_MS) + ")");
        }
        if (getLong(MIGRATION_RETENTION_MS) < getLong(MAX_DEADLINE_MS)) {
            throw new ConfigException(MIGRATION_RETENTION_MS, getLong(MIGRATION_RETENTION_MS),
                    "must not be shorter than " + MAX_DEADLINE_MS + " (" + getLong(MAX_DEADLINE_MS) + ")");
        }
        if (getLong(MIGRATION_ID_CLAIM_RETENTION_MS) < getLong(MIGRATION_RETENTION_MS)) {
            throw new ConfigException(MIGRATION_ID_CLAIM_RETENTION_MS, getLong(MIGRATION_ID_CLAIM_RETENTION_MS),
                    "must not be shorter than " + MIGRATION_RETENTION_MS + " (" + getLong(MIGRATION_RETENTION_MS) + ")");
        }
        if (getLong(DEFAULT_DEADLINE_MS) > getLong(MAX_DEADLINE_MS)) {
            throw new ConfigException(DEFAULT_DEADLINE_MS, getLong(DEFAULT_DEADLINE_MS),
                    "must not be longer than " + MAX_DEADLINE_MS + " (" + getLong(MAX_DEADLINE_MS) + ")");
        }
    }

    private static String defaultStateDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "vmigrate-center-state").toString();
    }

    public Path vaultPath() {
        return Path.of(getString(VAULT_PATH));
    }

    public Path stateDir() {
        return Path.of(getString(STATE_DIR));
    }

    public Duration commandTtl() {
        return Duration.ofMillis(getLong(COMMAND_TTL_MS));
    }

    public Duration keyRotationOverlap() {
        return Duration.ofMillis(getLong(KEY_ROTATION_OVERLAP_MS));
    }

    public Duration defaultDeadline() {
        return Duration.ofMillis(getLong(DEFAULT_DEADLINE_MS));
    }

    public Duration maxDeadline() {
        return Duration.ofMillis(getLong(MAX_DEADLINE_MS));
    }

    public Duration migrationRetention() {
        return Duration.ofMillis(getLong(MIGRATION_RETENTION_MS));
    }

    public Duration migrationIdClaimRetention() {
        return Duration.ofMillis(getLong(MIGRATION_ID_CLAIM_RETENTION_MS));
    }

    public int topicPartitions() {
        return getInt(TOPIC_PARTITIONS);
    }

    public Duration deregisterRetry() {
        return Duration.ofMillis(getLong(DEREGISTER_RETRY_MS));
    }

    public Duration punctuationInterval() {
        return Duration.ofMillis(getLong(PUNCTUATION_INTERVAL_MS));
    }

    public Duration allowedClockSkew() {
        return Duration.ofMillis(getLong(ALLOWED_CLOCK_SKEW_MS));
    }

    /** Where to write the center public key at start, if anywhere. */
    public Optional<Path> publicKeyPath() {
        String path = getString(PUBLIC_KEY_PATH);
        return path.isBlank() ? Optional.empty() : Optional.of(Path.of(path));
    }

    /** Whether the status and metrics HTTP server runs (port -1 turns it off). */
    public boolean httpEnabled() {
        return getInt(HTTP_PORT) >= 0;
    }

    /** The host name other instances reach this one at, given the configured bind address. */
    public String httpAdvertisedHost() {
        String advertised = getString(HTTP_ADVERTISED_HOST);
        if (!advertised.isBlank()) {
            return advertised;
        }
        String bind = getString(HTTP_HOST);
        if (bind.equals("0.0.0.0") || bind.equals("::")) {
            try {
                return java.net.InetAddress.getLocalHost().getCanonicalHostName();
            } catch (java.net.UnknownHostException e) {
                throw new ConfigException(HTTP_ADVERTISED_HOST, advertised,
                        "cannot name this machine for other instances; set it: " + e.getMessage());
            }
        }
        return bind;
    }

    public Duration httpForwardTimeout() {
        return Duration.ofMillis(getLong(HTTP_FORWARD_TIMEOUT_MS));
    }

    /** The operators file, if one is configured. */
    public Optional<Path> operatorsFile() {
        String path = getString(OPERATORS_FILE);
        return path.isBlank() ? Optional.empty() : Optional.of(Path.of(path));
    }

    /** The pre-approved hosts file, if one is configured. */
    public Optional<Path> hostsAllowListFile() {
        String path = getString(HOSTS_ALLOWLIST_FILE);
        return path.isBlank() ? Optional.empty() : Optional.of(Path.of(path));
    }

    /** The provisioning CAs file, if one is configured. */
    public Optional<Path> provisioningCaFile() {
        String path = getString(HOSTS_PROVISIONING_CA_FILE);
        return path.isBlank() ? Optional.empty() : Optional.of(Path.of(path));
    }

    /** The admin keys file, if one is configured. */
    public Optional<Path> adminKeyFile() {
        String path = getString(ADMIN_KEY_FILE);
        return path.isBlank() ? Optional.empty() : Optional.of(Path.of(path));
    }

    public Suite suite() {
        return Suite.parse(getString(SUITE));
    }

    public WireFormat wireFormat() {
        return WireFormat.parse(getString(WIRE_FORMAT));
    }

    public Password vaultPassword() {
        return getPassword(VAULT_PASSWORD);
    }
}

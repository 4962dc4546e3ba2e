package io.vmigrate.embedded.broker;

import io.vmigrate.cli.datadir.TlsTrust;
import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.trust.tls.BusCertificateAuthority;
import io.vmigrate.trust.tls.TlsMaterialException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The TLS material of a {@link ListenerSecurity#SASL_SSL} node group, under {@code <dataDir>/tls/}: the bus CA
 * ({@code ca.p12}, made once and kept), the clients' truststore ({@code truststore.p12}) and its PEM copy
 * ({@code ca.pem}), one server keystore per node ({@code node-<id>.keystore.p12}, issued anew at every start
 * for the node's host names and addresses) and {@code passwords.properties}, all owner-only but the PEM. Each
 * store has its own generated password; the keystores' is also in the nodes' owner-only {@code server.properties}.
 */
public final class BrokerTls {

    /** The names every node's certificate carries: the listeners bind 127.0.0.1. */
    public static final List<String> LOOPBACK_NAMES = List.of("localhost", "127.0.0.1");

    static final String DIRECTORY = "tls";
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration SERVER_VALIDITY = Duration.ofDays(397);
    private static final String CA_PASSWORD = "ca.password";
    private static final String KEYSTORE_PASSWORD = "keystore.password";
    private static final String TRUSTSTORE_PASSWORD = "truststore.password";

    private final Path directory;
    private final Map<String, String> passwords;
    private final TlsTrust trust;

    private BrokerTls(Path directory, Map<String, String> passwords) {
        this.directory = directory;
        this.passwords = Map.copyOf(passwords);
        this.trust = new TlsTrust(directory.resolve("truststore.p12"), passwords.get(TRUSTSTORE_PASSWORD),
                directory.resolve("ca.pem"));
    }

    /**
     * The CA of {@code dataDir} (created on first use) and a fresh server keystore for each of {@code nodeCount}
     * nodes naming {@link #LOOPBACK_NAMES} and {@code extraNames}.
     */
    static BrokerTls prepare(Path dataDir, int nodeCount, List<String> extraNames) {
        Path directory = dataDir.resolve(DIRECTORY);
        try {
            Files.createDirectories(directory);
            BrokerTls tls = new BrokerTls(directory, loadOrCreatePasswords(directory.resolve("passwords.properties")));
            Clock clock = Clock.systemUTC();
            Path caFile = directory.resolve("ca.p12");
            char[] caPassword = tls.passwords.get(CA_PASSWORD).toCharArray();
            BusCertificateAuthority ca;
            if (Files.isRegularFile(caFile)) {
                ca = BusCertificateAuthority.load(caFile, caPassword, clock);
            } else {
                ca = BusCertificateAuthority.create("vmigrate bus CA", CA_VALIDITY, clock);
                ca.save(caFile, caPassword);
            }
            ca.writeTruststore(tls.trust.truststore(), tls.trust.truststorePassword().toCharArray());
            ca.writeCertificatePem(tls.trust.caCertificatePem());
            List<String> names = new ArrayList<>(new LinkedHashSet<>(concat(LOOPBACK_NAMES, extraNames)));
            for (int id = 0; id < nodeCount; id++) {
                ca.issueServerKeystore("vmigrate-kafka-node-" + id, names, SERVER_VALIDITY, tls.keystore(id),
                        tls.passwords.get(KEYSTORE_PASSWORD).toCharArray());
            }
            return tls;
        } catch (TlsMaterialException e) {
            throw new IllegalStateException("cannot prepare the bus TLS material in " + directory + ": "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the bus TLS material in " + directory, e);
        }
    }

    /** What clients need to trust the nodes. */
    public TlsTrust trust() {
        return trust;
    }

    /** The broker settings of node {@code id}: its keystore, and the truststore its own inter-node clients use. */
    Map<String, String> brokerSettings(int id) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("ssl.keystore.location", keystore(id).toString());
        c.put("ssl.keystore.password", passwords.get(KEYSTORE_PASSWORD));
        c.put("ssl.keystore.type", BusCertificateAuthority.STORE_TYPE);
        c.put("ssl.truststore.location", trust.truststore().toString());
        c.put("ssl.truststore.password", trust.truststorePassword());
        c.put("ssl.truststore.type", BusCertificateAuthority.STORE_TYPE);
        c.put("ssl.enabled.protocols", "TLSv1.3,TLSv1.2");
        c.put("ssl.endpoint.identification.algorithm", "https");
        return c;
    }

    private Path keystore(int id) {
        return directory.resolve("node-" + id + ".keystore.p12").toAbsolutePath();
    }

    private static Map<String, String> loadOrCreatePasswords(Path file) throws IOException {
        Properties props = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
            }
        }
        boolean changed = false;
        for (String name : List.of(CA_PASSWORD, KEYSTORE_PASSWORD, TRUSTSTORE_PASSWORD)) {
            if (props.getProperty(name, "").isBlank()) {
                props.setProperty(name, newPassword());
                changed = true;
            }
        }
        if (changed) {
            AtomicFiles.write(file, AtomicFiles.Permissions.OWNER_ONLY,
                    out -> props.store(out, "passwords of the bus TLS stores in this directory"));
        }
        Map<String, String> passwords = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(name -> passwords.put(name, props.getProperty(name)));
        return passwords;
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}

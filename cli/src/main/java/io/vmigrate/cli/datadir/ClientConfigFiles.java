package io.vmigrate.cli.datadir;

import io.vmigrate.common.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kafka client settings of each bus principal of an embedded system, under {@code <dataDir>/clients/}:
 * {@code <principal>.properties} for Java clients (the CLI's {@code --config}, Kafka's console tools'
 * {@code --command-config}) and {@code <principal>.kcat.conf} for librdkafka ({@code kcat -F}), which has no
 * {@code sasl.jaas.config}. Both are created owner-only (0600) and are the only place the password is kept.
 */
public final class ClientConfigFiles {

    public static final String DIRECTORY = "clients";
    private static final Pattern JAAS_PASSWORD = Pattern.compile("password=\"([^\"]*)\"");

    private ClientConfigFiles() {
    }

    /** {@code <dataDir>/clients/<principal>.properties}. */
    public static Path javaFile(Path dataDir, String principal) {
        return directory(dataDir).resolve(principal + ".properties");
    }

    /** {@code <dataDir>/clients/<principal>.kcat.conf}. */
    public static Path kcatFile(Path dataDir, String principal) {
        return directory(dataDir).resolve(principal + ".kcat.conf");
    }

    /** The principal's login kept in the data directory, or a new one written there (0600) on first use. */
    public static ScramLogin loadOrCreate(Path dataDir, String principal) {
        Optional<Map<String, Object>> existing = read(dataDir, principal);
        if (existing.isPresent()) {
            Object jaas = existing.get().get("sasl.jaas.config");
            Matcher password = JAAS_PASSWORD.matcher(jaas == null ? "" : jaas.toString());
            if (!password.find()) {
                throw new IllegalStateException(javaFile(dataDir, principal) + " holds no SCRAM password");
            }
            return new ScramLogin(principal, password.group(1));
        }
        ScramLogin login = ScramLogin.generate(principal);
        write(dataDir, login, null);
        return login;
    }

    /** (Re)writes both files of the login for a {@code SASL_PLAINTEXT} bus, with {@code bootstrap.servers} when known. */
    public static void write(Path dataDir, ScramLogin login, String bootstrapServers) {
        write(dataDir, login, bootstrapServers, Optional.empty());
    }

    /**
     * (Re)writes both files of the login, with {@code bootstrap.servers} when known; with {@code tls}, for a
     * {@code SASL_SSL} bus ({@code security.protocol}, the truststore, and the CA file for kcat).
     */
    public static void write(Path dataDir, ScramLogin login, String bootstrapServers, Optional<TlsTrust> tls) {
        Properties java = new Properties();
        login.clientProperties().forEach((k, v) -> java.setProperty(k, v.toString()));
        Map<String, String> kcatTransport = new LinkedHashMap<>();
        kcatTransport.put("security.protocol", ScramLogin.SECURITY_PROTOCOL);
        tls.ifPresent(trust -> {
            trust.clientProperties().forEach((k, v) -> java.setProperty(k, v.toString()));
            kcatTransport.putAll(trust.kcatProperties());
        });
        // librdkafka reads plain key=value lines (no Properties escapes such as "127.0.0.1\:9092").
        StringBuilder kcat = new StringBuilder("# librdkafka (kcat -F) settings of bus principal ")
                .append(login.username()).append('\n');
        kcatTransport.forEach((k, v) -> kcat.append(k).append('=').append(v).append('\n'));
        kcat.append("sasl.mechanisms=").append(ScramLogin.MECHANISM).append('\n')
                .append("sasl.username=").append(login.username()).append('\n')
                .append("sasl.password=").append(login.password()).append('\n');
        if (bootstrapServers != null) {
            java.setProperty("bootstrap.servers", bootstrapServers);
            kcat.append("bootstrap.servers=").append(bootstrapServers).append('\n');
        }
        try {
            Files.createDirectories(directory(dataDir));
            AtomicFiles.write(javaFile(dataDir, login.username()), AtomicFiles.Permissions.OWNER_ONLY,
                    out -> java.store(out, "Kafka client settings of bus principal " + login.username()));
            AtomicFiles.writeString(kcatFile(dataDir, login.username()), kcat.toString(),
                    AtomicFiles.Permissions.OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the client settings of " + login.username(), e);
        }
    }

    /** The Java client settings of a principal, empty if the data directory has none. */
    public static Optional<Map<String, Object>> read(Path dataDir, String principal) {
        Path file = javaFile(dataDir, principal);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<String, Object> settings = new HashMap<>();
        props.stringPropertyNames().forEach(name -> settings.put(name, props.getProperty(name)));
        return Optional.of(settings);
    }

    private static Path directory(Path dataDir) {
        return Objects.requireNonNull(dataDir, "dataDir").resolve(DIRECTORY);
    }
}

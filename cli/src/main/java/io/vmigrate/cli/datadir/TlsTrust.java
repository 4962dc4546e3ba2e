package io.vmigrate.cli.datadir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a client needs to reach a {@code SASL_SSL} bus: the PKCS#12 truststore holding the bus's own CA (and its
 * password) for Java clients, and the same CA as PEM for librdkafka ({@code ssl.ca.location}). Brokers are then
 * accepted only with a certificate that CA issued for the address dialled (Kafka's default hostname
 * verification). {@link #toString()} never shows the password.
 */
public record TlsTrust(Path truststore, String truststorePassword, Path caCertificatePem) {

    public static final String SECURITY_PROTOCOL = "SASL_SSL";
    public static final String STORE_TYPE = "PKCS12";

    public TlsTrust {
        truststore = Objects.requireNonNull(truststore, "truststore").toAbsolutePath();
        Objects.requireNonNull(truststorePassword, "truststorePassword");
        caCertificatePem = Objects.requireNonNull(caCertificatePem, "caCertificatePem").toAbsolutePath();
    }

    /** The transport settings of a Java client ({@code security.protocol} and {@code ssl.truststore.*}). */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("security.protocol", SECURITY_PROTOCOL);
        props.put("ssl.truststore.location", truststore.toString());
        props.put("ssl.truststore.password", truststorePassword);
        props.put("ssl.truststore.type", STORE_TYPE);
        return props;
    }

    /** The transport settings of librdkafka (kcat {@code -F}). */
    Map<String, String> kcatProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("security.protocol", SECURITY_PROTOCOL);
        props.put("ssl.ca.location", caCertificatePem.toString());
        return props;
    }

    @Override
    public String toString() {
        return "TlsTrust[" + truststore + "]";
    }
}

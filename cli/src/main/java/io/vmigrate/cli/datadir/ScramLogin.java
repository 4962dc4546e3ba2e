package io.vmigrate.cli.datadir;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One principal's SCRAM-SHA-512 login to the bus: what a Kafka client needs to authenticate over
 * {@code SASL_PLAINTEXT}. {@link #toString()} never shows the password.
 */
public record ScramLogin(String username, String password) {

    public static final String SECURITY_PROTOCOL = "SASL_PLAINTEXT";
    public static final String MECHANISM = "SCRAM-SHA-512";

    /** Names and passwords stay inside JAAS quotes and StorageTool's {@code [name=...,password=...]} unescaped. */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    public ScramLogin {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        if (!SAFE.matcher(username).matches()) {
            throw new IllegalArgumentException("a bus principal name is 1..128 of [A-Za-z0-9_.-]: " + username);
        }
        if (!SAFE.matcher(password).matches()) {
            throw new IllegalArgumentException("the password of " + username + " has characters SCRAM files cannot hold");
        }
    }

    /** A login with a fresh random password (192 bits). */
    public static ScramLogin generate(String username) {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return new ScramLogin(username, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** {@code sasl.jaas.config} of a Java client. */
    public String jaasConfig() {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username
                + "\" password=\"" + password + "\";";
    }

    /** The security settings of a Java Kafka client logging in as this principal (no bootstrap servers). */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("security.protocol", SECURITY_PROTOCOL);
        props.put("sasl.mechanism", MECHANISM);
        props.put("sasl.jaas.config", jaasConfig());
        return props;
    }

    @Override
    public String toString() {
        return "ScramLogin[" + username + "]";
    }
}

package io.vmigrate.embedded.broker;

/**
 * How a node group's listeners (client, inter-broker and controller) carry their SASL logins. Both authenticate
 * with SCRAM-SHA-512 (PLAIN for the controllers) and authorize with {@code StandardAuthorizer}; they differ in
 * what protects the wire.
 */
public enum ListenerSecurity {
    /** No encryption: passwords and records cross the wire in the clear. For loopback only (the embedded default). */
    SASL_PLAINTEXT,
    /**
     * TLS with certificates the group generates (see {@link BrokerTls}): a CA of its own, one server certificate
     * per node; clients trust that CA alone. For any bus reached off this machine.
     */
    SASL_SSL
}

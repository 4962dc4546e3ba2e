package io.vmigrate.embedded.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.vmigrate.cli.datadir.ScramLogin;

/**
 * The broker configuration of a combined broker+controller KRaft node on 127.0.0.1, with replication settings
 * scaled to the node count and a static voter quorum. Authenticated and authorized by default: the client
 * (and inter-broker) listener takes SASL SCRAM-SHA-512 logins whose credentials live in the cluster metadata,
 * the controller listener SASL PLAIN for the super user alone (SCRAM cannot authenticate controllers: their
 * credentials would come from the very log they replicate), and {@code StandardAuthorizer} denies whatever no
 * ACL allows; the super user is allowed everything. With {@link ListenerSecurity#SASL_SSL} every listener
 * (client, inter-broker, controller) runs TLS with the node's certificate from {@link BrokerTls}.
 */
public final class KafkaNodeConfig {

    /** Settings managed by the node group; callers cannot override them. */
    public static final Set<String> RESERVED = Set.of(
        "node.id", "broker.id", "process.roles", "listeners", "advertised.listeners", "controller.listener.names",
        "controller.quorum.voters", "controller.quorum.bootstrap.servers", "log.dirs", "log.dir", "metadata.log.dir");

    /** Extra properties with this prefix go to the group's own readiness Admin client, not to Kafka. */
    public static final String CLIENT_PREFIX = "embedded.client.";

    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "CLIENT";
    private static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    private KafkaNodeConfig() {
    }

    /** Ports of every node, chosen free on 127.0.0.1 (all held open together so none is picked twice). */
    public record Ports(List<Integer> broker, List<Integer> controller) {

        public static Ports reserve(int nodeCount) {
            List<ServerSocket> held = new ArrayList<>();
            List<Integer> broker = new ArrayList<>();
            List<Integer> controller = new ArrayList<>();
            try {
                for (int i = 0; i < nodeCount; i++) {
                    broker.add(reservePort(held));
                    controller.add(reservePort(held));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot reserve ports for Kafka", e);
            } finally {
                for (ServerSocket s : held) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // the port is released anyway when the socket is collected
                    }
                }
            }
            return new Ports(List.copyOf(broker), List.copyOf(controller));
        }

        /** {@code controller.quorum.voters}: {@code 0@127.0.0.1:p0,1@127.0.0.1:p1,...}. */
        public String voters() {
            StringBuilder voters = new StringBuilder();
            for (int i = 0; i < controller.size(); i++) {
                if (i > 0) {
                    voters.append(',');
                }
                voters.append(i).append("@127.0.0.1:").append(controller.get(i));
            }
            return voters.toString();
        }

        private static int reservePort(List<ServerSocket> held) throws IOException {
            ServerSocket s = new ServerSocket();
            held.add(s);
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return s.getLocalPort();
        }
    }

    /**
     * The configuration of node {@code id} of {@code nodeCount}, whose brokers and controllers log in to each
     * other as {@code superUser}; with {@code tls}, every listener is {@code SASL_SSL} with that node's
     * certificate; {@code extra} overrides the defaults.
     */
    public static Map<String, String> forNode(int id, int nodeCount, Path logDir, Ports ports, ScramLogin superUser,
            Optional<BrokerTls> tls, Map<String, String> extra) {
        String protocol = tls.isPresent() ? ListenerSecurity.SASL_SSL.name() : ListenerSecurity.SASL_PLAINTEXT.name();
        short rf = (short) Math.min(3, nodeCount);
        int minIsr = nodeCount >= 3 ? 2 : 1;
        Map<String, String> c = new LinkedHashMap<>();
        c.put("node.id", Integer.toString(id));
        c.put("process.roles", "broker,controller");
        c.put("listeners", BROKER_LISTENER + "://127.0.0.1:" + ports.broker().get(id) + "," + CONTROLLER_LISTENER
            + "://127.0.0.1:" + ports.controller().get(id));
        c.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + ports.broker().get(id));
        c.put("listener.security.protocol.map", BROKER_LISTENER + ":" + protocol + "," + CONTROLLER_LISTENER + ":" + protocol);
        tls.ifPresent(t -> c.putAll(t.brokerSettings(id)));
        c.put("controller.listener.names", CONTROLLER_LISTENER);
        c.put("inter.broker.listener.name", BROKER_LISTENER);
        String client = "listener.name." + BROKER_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
        String controller = "listener.name." + CONTROLLER_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
        c.put(client + "sasl.enabled.mechanisms", ScramLogin.MECHANISM);
        c.put("sasl.mechanism.inter.broker.protocol", ScramLogin.MECHANISM);
        c.put(client + "scram-sha-512.sasl.jaas.config", superUser.jaasConfig());
        c.put(controller + "sasl.enabled.mechanisms", "PLAIN");
        c.put("sasl.mechanism.controller.protocol", "PLAIN");
        c.put(controller + "plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"" + superUser.username() + "\" password=\"" + superUser.password() + "\""
            + " user_" + superUser.username() + "=\"" + superUser.password() + "\";");
        c.put("authorizer.class.name", AUTHORIZER);
        c.put("super.users", "User:" + superUser.username());
        c.put("allow.everyone.if.no.acl.found", "false");
        c.put("controller.quorum.voters", ports.voters());
        c.put("log.dirs", logDir.toString());
        c.put("num.partitions", "1");
        c.put("default.replication.factor", Short.toString(rf));
        c.put("auto.create.topics.enable", "false");
        c.put("offsets.topic.replication.factor", Short.toString(rf));
        c.put("offsets.topic.num.partitions", "5");
        c.put("transaction.state.log.replication.factor", Short.toString(rf));
        c.put("transaction.state.log.min.isr", Integer.toString(minIsr));
        c.put("transaction.state.log.num.partitions", "5");
        c.put("share.coordinator.state.topic.replication.factor", Short.toString(rf));
        c.put("share.coordinator.state.topic.min.isr", Integer.toString(minIsr));
        c.put("group.initial.rebalance.delay.ms", "0");
        extra.forEach((k, v) -> {
            if (!k.startsWith(CLIENT_PREFIX)) {
                c.put(k, v);
            }
        });
        return c;
    }

    /** Client settings the caller gave for the group's own readiness Admin client (over the super user's login). */
    public static Map<String, Object> clientOverrides(Map<String, String> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        extra.forEach((k, v) -> {
            if (k.startsWith(CLIENT_PREFIX)) {
                m.put(k.substring(CLIENT_PREFIX.length()), v);
            }
        });
        return m;
    }
}

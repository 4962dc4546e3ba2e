package io.vmigrate.embedded.security;

import io.vmigrate.cli.datadir.ClientConfigFiles;
import io.vmigrate.cli.datadir.ScramLogin;
import io.vmigrate.cli.datadir.TlsTrust;
import io.vmigrate.cli.operator.HostBusAccess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates bus principals through the Admin client as the super user: each one's SCRAM-SHA-512 credential
 * (its password generated once and kept only in its owner-only client files, see {@link ClientConfigFiles})
 * and its ACLs. Returns once the broker answering the admin client enforces them, so a component started
 * next is not refused by a broker that has not applied the change yet.
 */
public final class BusUsers {

    private static final Logger LOG = LoggerFactory.getLogger(BusUsers.class);
    private static final int SCRAM_ITERATIONS = 8192;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Object> adminClient;
    private final Path dataDir;
    private final Optional<TlsTrust> tls;

    /** {@code adminClient}: the super user's client settings; logins are kept under {@code dataDir/clients}. */
    public BusUsers(Map<String, Object> adminClient, Path dataDir) {
        this(adminClient, dataDir, Optional.empty());
    }

    /** As {@link #BusUsers(Map, Path)}, on a {@code SASL_SSL} bus whose clients trust {@code tls}. */
    public BusUsers(Map<String, Object> adminClient, Path dataDir, Optional<TlsTrust> tls) {
        this.adminClient = Map.copyOf(adminClient);
        this.dataDir = dataDir;
        this.tls = Objects.requireNonNull(tls, "tls");
    }

    /**
     * Creates (or confirms) each principal with its ACLs and (re)writes its client files with
     * {@code bootstrapServers}. Returns each principal's Kafka client settings, bootstrap servers included.
     */
    public Map<String, Map<String, Object>> provision(Collection<BusPrincipal> principals, String bootstrapServers) {
        Map<String, Map<String, Object>> clients = new LinkedHashMap<>();
        List<UserScramCredentialAlteration> credentials = new ArrayList<>();
        List<AclBinding> acls = new ArrayList<>();
        for (BusPrincipal principal : principals) {
            ScramLogin login = ClientConfigFiles.loadOrCreate(dataDir, principal.name());
            credentials.add(new UserScramCredentialUpsertion(principal.name(),
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), login.password()));
            acls.addAll(principal.acls());
            ClientConfigFiles.write(dataDir, login, bootstrapServers, tls);
            Map<String, Object> client = new LinkedHashMap<>(login.clientProperties());
            tls.ifPresent(trust -> client.putAll(trust.clientProperties()));
            client.put("bootstrap.servers", bootstrapServers);
            clients.put(principal.name(), Map.copyOf(client));
        }
        try (Admin admin = Admin.create(adminClient)) {
            admin.alterUserScramCredentials(credentials).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            admin.createAcls(acls).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            awaitEnforced(admin, clients.keySet(), acls);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the bus principals " + clients.keySet() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the bus principals", e);
        }
        LOG.info("bus principals {} have their credentials and {} ACLs", clients.keySet(), acls.size());
        return clients;
    }

    /**
     * Removes every ACL of {@code principal} (e.g. a retired host) and its SCRAM credential: its open sessions
     * reach nothing and it cannot log in again. See {@link HostBusAccess}.
     */
    public HostBusAccess.Revocation revokeAll(String principal) {
        return new HostBusAccess(adminClient).revokePrincipal(principal);
    }

    /** Both describe calls are answered by a broker from the metadata it applied: what it shows, it enforces. */
    private static void awaitEnforced(Admin admin, Set<String> users, List<AclBinding> acls)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Set<String> known = new HashSet<>();
            try {
                known.addAll(admin.describeUserScramCredentials(List.copyOf(users)).all()
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).keySet());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ResourceNotFoundException)) {
                    throw e;
                }
            }
            Set<AclBinding> present = new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            if (known.containsAll(users) && present.containsAll(acls)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the broker did not apply the credentials and ACLs of " + users
                        + " within " + TIMEOUT.toSeconds() + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }
}

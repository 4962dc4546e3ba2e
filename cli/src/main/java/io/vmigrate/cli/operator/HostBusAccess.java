package io.vmigrate.cli.operator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.resource.ResourcePatternFilter;

/**
 * A bus principal's access, as the cluster's admin removes it: every ACL naming it, then its SCRAM-SHA-512
 * credential. Removing the ACLs takes effect on the next request of a session already open (the authorizer
 * checks each request); removing the credential refuses every new login. {@code vmigrate hosts retire} runs it
 * for the retired host's principal; it needs a login allowed to alter ACLs and credentials (the super user).
 */
public final class HostBusAccess {

    private static final String HOST_PREFIX = "host-";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Object> adminClient;

    /** {@code adminClient}: Kafka client settings of a login allowed to alter ACLs and SCRAM credentials. */
    public HostBusAccess(Map<String, Object> adminClient) {
        this.adminClient = Map.copyOf(adminClient);
    }

    /** The bus principal (SCRAM user name) of host {@code hostId}'s agent. */
    public static String principal(String hostId) {
        return HOST_PREFIX + Objects.requireNonNull(hostId, "hostId");
    }

    /** What a revocation removed. */
    public record Revocation(String principal, int aclsDeleted, boolean credentialDeleted) { }

    /** Removes host {@code hostId}'s access to the bus; see {@link #revokePrincipal}. */
    public Revocation revokeHost(String hostId) {
        return revokePrincipal(principal(hostId));
    }

    /**
     * Deletes every ACL of {@code principal} and its SCRAM-SHA-512 credential (a principal without one is not an
     * error: it may have been revoked before). Fails with {@link IllegalStateException} naming the cause, e.g. a
     * {@code ClusterAuthorizationException} when the login may not alter ACLs.
     */
    public Revocation revokePrincipal(String principal) {
        AclBindingFilter filter = new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                "User:" + principal, null, AclOperation.ANY, AclPermissionType.ANY));
        try (Admin admin = Admin.create(adminClient)) {
            java.util.Collection<AclBinding> deleted = admin.deleteAcls(List.of(filter)).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            boolean credentialDeleted = true;
            try {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(principal,
                        ScramMechanism.SCRAM_SHA_512))).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ResourceNotFoundException)) {
                    throw e;
                }
                credentialDeleted = false;
            }
            return new Revocation(principal, deleted.size(), credentialDeleted);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            // The broker's own message dumps the whole request; the exception's name says what matters.
            String why = cause instanceof org.apache.kafka.common.errors.AuthorizationException
                    ? cause.getClass().getSimpleName() + ": this login may not alter the cluster's ACLs"
                    : String.valueOf(cause);
            throw new IllegalStateException("cannot revoke the bus access of " + principal + ": " + why, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot revoke the bus access of " + principal + ": no answer within "
                    + TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while revoking the bus access of " + principal, e);
        }
    }
}

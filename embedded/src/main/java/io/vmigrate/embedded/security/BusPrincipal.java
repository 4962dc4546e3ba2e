package io.vmigrate.embedded.security;

import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.acl.AclBinding;

/** One identity on the bus: its SCRAM user name and everything the authorizer allows it (see {@link BusAcls}). */
public record BusPrincipal(String name, List<AclBinding> acls) {

    public BusPrincipal {
        Objects.requireNonNull(name, "name");
        acls = List.copyOf(acls);
    }

    /** {@code User:<name>}, as the authorizer and the ACLs name it. */
    public String kafkaPrincipal() {
        return BusAcls.kafkaPrincipal(name);
    }
}

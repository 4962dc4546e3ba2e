package io.vmigrate.center.workflow;

/** Which hosts the center has enrolled (and not revoked): the trust registry, as the machine sees it. */
@FunctionalInterface
public interface HostRegistry {

    boolean isEnrolled(String hostId);
}

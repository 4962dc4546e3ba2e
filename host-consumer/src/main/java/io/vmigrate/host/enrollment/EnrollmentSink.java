package io.vmigrate.host.enrollment;

import io.vmigrate.schema.registry.HostEnrollmentRequested;

/** Where enrollment goes (Kafka in production); each call returns once the effect is durable. */
public interface EnrollmentSink {

    /** Creates {@code host.<hostId>.commands} if it does not exist. */
    void ensureCommandTopic(String hostId);

    /** To {@code host.enrollments}, keyed by host id. */
    void requestEnrollment(HostEnrollmentRequested request);

    /** To {@code vm.registrations}, keyed by VM id: a VM_REGISTRATION_REQUESTED envelope signed by the secure zone. */
    void requestRegistration(String vmId, byte[] signedRegistration);
}

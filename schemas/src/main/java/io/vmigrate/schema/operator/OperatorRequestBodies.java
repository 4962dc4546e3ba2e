package io.vmigrate.schema.operator;

import io.vmigrate.schema.request.AbortRequested;
import io.vmigrate.schema.request.CenterKeyRotationRequested;
import io.vmigrate.schema.request.HostApproval;
import io.vmigrate.schema.request.HostRetirement;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.OperatorRequestType;
import io.vmigrate.schema.serde.SingleObjectCodec;
import org.apache.avro.specific.SpecificRecord;

/** Which record each {@link OperatorRequestType} carries, and the subject (record key) each one names. */
final class OperatorRequestBodies {

    private static final SingleObjectCodec<MigrationRequested> MIGRATION = SingleObjectCodec.of(MigrationRequested.class);
    private static final SingleObjectCodec<AbortRequested> ABORT = SingleObjectCodec.of(AbortRequested.class);
    private static final SingleObjectCodec<HostApproval> APPROVAL = SingleObjectCodec.of(HostApproval.class);
    private static final SingleObjectCodec<HostRetirement> RETIREMENT = SingleObjectCodec.of(HostRetirement.class);
    private static final SingleObjectCodec<CenterKeyRotationRequested> ROTATION =
            SingleObjectCodec.of(CenterKeyRotationRequested.class);

    private OperatorRequestBodies() {}

    static OperatorRequestType typeOf(SpecificRecord body) {
        if (body instanceof MigrationRequested) {
            return OperatorRequestType.MIGRATION_REQUESTED;
        }
        if (body instanceof AbortRequested) {
            return OperatorRequestType.ABORT_REQUESTED;
        }
        if (body instanceof HostApproval) {
            return OperatorRequestType.HOST_APPROVAL;
        }
        if (body instanceof HostRetirement) {
            return OperatorRequestType.HOST_RETIREMENT;
        }
        if (body instanceof CenterKeyRotationRequested) {
            return OperatorRequestType.ROTATE_CENTER_KEY;
        }
        throw new IllegalArgumentException(body.getClass().getSimpleName() + " is not an operator request body");
    }

    /** The VM id (migrate, abort), host id (approve, retire) or {@code center} (rotate the center key) the request is about; its record key. */
    static String subjectOf(SpecificRecord body) {
        if (body instanceof MigrationRequested migration) {
            return migration.getVmId();
        }
        if (body instanceof AbortRequested abort) {
            return abort.getVmId();
        }
        if (body instanceof HostApproval approval) {
            return approval.getHostId();
        }
        if (body instanceof HostRetirement retirement) {
            return retirement.getHostId();
        }
        if (body instanceof CenterKeyRotationRequested rotation) {
            return rotation.getSubject();
        }
        throw new IllegalArgumentException(body.getClass().getSimpleName() + " is not an operator request body");
    }

    static byte[] encode(SpecificRecord body) {
        return switch (typeOf(body)) {
            case MIGRATION_REQUESTED -> MIGRATION.encode((MigrationRequested) body);
            case ABORT_REQUESTED -> ABORT.encode((AbortRequested) body);
            case HOST_APPROVAL -> APPROVAL.encode((HostApproval) body);
            case HOST_RETIREMENT -> RETIREMENT.encode((HostRetirement) body);
            case ROTATE_CENTER_KEY -> ROTATION.encode((CenterKeyRotationRequested) body);
        };
    }

    /** @throws SingleObjectCodec.CodecException if the bytes are not that type's record */
    static SpecificRecord decode(OperatorRequestType type, byte[] body) {
        return switch (type) {
            case MIGRATION_REQUESTED -> MIGRATION.decode(body);
            case ABORT_REQUESTED -> ABORT.decode(body);
            case HOST_APPROVAL -> APPROVAL.decode(body);
            case HOST_RETIREMENT -> RETIREMENT.decode(body);
            case ROTATE_CENTER_KEY -> ROTATION.decode(body);
        };
    }
}

package io.vmigrate.securezone.protocol;

import io.vmigrate.schema.securezone.Abort;
import io.vmigrate.schema.securezone.AttestVm;
import io.vmigrate.schema.securezone.CheckAttestation;
import io.vmigrate.schema.securezone.Deregister;
import io.vmigrate.schema.securezone.GetIdentity;
import io.vmigrate.schema.securezone.InstallVmKey;
import io.vmigrate.schema.securezone.OpenCommand;
import io.vmigrate.schema.securezone.Provision;
import io.vmigrate.schema.securezone.ReportCompletion;
import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.securezone.SignReply;
import io.vmigrate.schema.serde.SingleObjectCodec;
import java.util.EnumMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Which record each {@link SecureZoneOperationType} carries in {@code SecureZoneRequest.operation}. */
public final class Operations {

    private static final Map<SecureZoneOperationType, SingleObjectCodec<? extends SpecificRecord>> CODECS =
            new EnumMap<>(SecureZoneOperationType.class);

    static {
        CODECS.put(SecureZoneOperationType.PROVISION, SingleObjectCodec.of(Provision.class));
        CODECS.put(SecureZoneOperationType.GET_IDENTITY, SingleObjectCodec.of(GetIdentity.class));
        CODECS.put(SecureZoneOperationType.OPEN_COMMAND, SingleObjectCodec.of(OpenCommand.class));
        CODECS.put(SecureZoneOperationType.INSTALL_VM_KEY, SingleObjectCodec.of(InstallVmKey.class));
        CODECS.put(SecureZoneOperationType.ATTEST_VM, SingleObjectCodec.of(AttestVm.class));
        CODECS.put(SecureZoneOperationType.CHECK_ATTESTATION, SingleObjectCodec.of(CheckAttestation.class));
        CODECS.put(SecureZoneOperationType.REPORT_COMPLETION, SingleObjectCodec.of(ReportCompletion.class));
        CODECS.put(SecureZoneOperationType.DEREGISTER, SingleObjectCodec.of(Deregister.class));
        CODECS.put(SecureZoneOperationType.ABORT, SingleObjectCodec.of(Abort.class));
        CODECS.put(SecureZoneOperationType.SIGN_REPLY, SingleObjectCodec.of(SignReply.class));
        if (CODECS.size() != SecureZoneOperationType.values().length) {
            throw new ExceptionInInitializerError("a SecureZoneOperationType has no record");
        }
    }

    private Operations() {}

    public static SecureZoneOperationType typeOf(SpecificRecord operation) {
        for (var entry : CODECS.entrySet()) {
            if (entry.getValue().type().isInstance(operation)) {
                return entry.getKey();
            }
        }
        throw new IllegalArgumentException(operation.getClass().getName() + " is not a secure-zone operation");
    }

    @SuppressWarnings("unchecked")
    public static byte[] encode(SpecificRecord operation) {
        return ((SingleObjectCodec<SpecificRecord>) CODECS.get(typeOf(operation))).encode(operation);
    }

    /** Decodes {@code bytes} as the record {@code type} names; a different record fails to decode. */
    public static SpecificRecord decode(SecureZoneOperationType type, byte[] bytes) {
        return CODECS.get(type).decode(bytes);
    }
}

package io.vmigrate.securezone;

import io.vmigrate.schema.common.MessageType;
import io.vmigrate.schema.envelope.MessageCatalogue;
import io.vmigrate.schema.fuzz.FuzzInputs;
import io.vmigrate.schema.securezone.SecureZoneOperationType;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.serde.ProtocolSchemas;
import io.vmigrate.schema.serde.SingleObjectCodec;
import io.vmigrate.schema.testing.SchemaSamples;
import io.vmigrate.securezone.protocol.Operations;
import io.vmigrate.securezone.protocol.SessionFrames;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes {@link SecureZoneFramesFuzzTest}'s inputs: for every operation a connection carrying one framed
 * request (signature byte 1: the harness signs it), and for every command a request whose operation
 * carries that command's real INTL envelope from the schemas module. Run from the worktree root with
 * the module's test classpath (see docs/FUZZING.md).
 */
public final class ZoneFuzzSeeds {

    private ZoneFuzzSeeds() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "secure-zone-worker/src/test/resources")
                .resolve("io/vmigrate/securezone/SecureZoneFramesFuzzTestInputs/everyRequestIsAnsweredWithoutAnInternalError"));
        Map<String, byte[]> real = FuzzInputs.realEnvelopes();
        for (SecureZoneOperationType type : SecureZoneOperationType.values()) {
            Files.write(dir.resolve(type.name()), connection(type, sample(type)));
        }
        for (MessageType type : MessageType.values()) {
            var operationType = MessageCatalogue.entry(type).zoneOperation();
            if (operationType.isEmpty()) {
                continue;
            }
            SpecificRecord operation = sample(operationType.get());
            Schema.Field envelope = operation.getSchema().getField("envelope");
            operation.put(envelope.pos(), ByteBuffer.wrap(real.get(FuzzInputs.realEnvelopeName(type, Suite.INTL))));
            Files.write(dir.resolve(operationType.get().name() + "-" + type.name()), connection(operationType.get(), operation));
        }
    }

    private static SpecificRecord sample(SecureZoneOperationType type) {
        for (var recordClass : ProtocolSchemas.TOP_LEVEL_RECORDS) {
            try {
                return Operations.decode(type, SchemaSamples.singleObject(ProtocolSchemas.currentSchema(recordClass)));
            } catch (SingleObjectCodec.CodecException otherRecord) {
                // only the operation's own record decodes as it
            }
        }
        throw new IllegalStateException("no record for " + type);
    }

    private static byte[] connection(SecureZoneOperationType type, SpecificRecord operation) {
        byte[] request = SessionFrames.REQUESTS.encode(SecureZoneRequest.newBuilder().setSequence(1).setOperationType(type)
                .setOperation(ByteBuffer.wrap(Operations.encode(operation))).setAgentSignature(ByteBuffer.wrap(new byte[] {1}))
                .build());
        return ByteBuffer.allocate(Integer.BYTES + request.length).putInt(request.length).put(request).array();
    }
}

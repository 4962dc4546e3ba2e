package io.vmigrate.schema.serde;

import io.vmigrate.schema.alert.SecurityAlert;
import io.vmigrate.schema.audit.AuditRecord;
import io.vmigrate.schema.center.MigrationState;
import io.vmigrate.schema.center.VaultedVmKey;
import io.vmigrate.schema.command.AbortMigration;
import io.vmigrate.schema.command.CreateTargetVm;
import io.vmigrate.schema.command.DeliverVmKey;
import io.vmigrate.schema.command.DeregisterVm;
import io.vmigrate.schema.command.ForwardedVmAttestation;
import io.vmigrate.schema.command.MigrateOut;
import io.vmigrate.schema.envelope.SignedEnvelope;
import io.vmigrate.schema.inventory.VmInventoryEntry;
import io.vmigrate.schema.inventory.VmRegistrationRequested;
import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.registry.HostEnrollmentRequested;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.reply.AbortAcknowledged;
import io.vmigrate.schema.reply.CommandRefused;
import io.vmigrate.schema.reply.KeyInstallReply;
import io.vmigrate.schema.reply.MigrationCompleted;
import io.vmigrate.schema.reply.TargetVmCreated;
import io.vmigrate.schema.reply.VmAttestation;
import io.vmigrate.schema.reply.VmDeregistered;
import io.vmigrate.schema.request.MigrationRejected;
import io.vmigrate.schema.request.MigrationRequested;
import io.vmigrate.schema.request.AbortRequested;
import io.vmigrate.schema.request.HostApproval;
import io.vmigrate.schema.request.HostRetirement;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.securezone.Abort;
import io.vmigrate.schema.securezone.AttestVm;
import io.vmigrate.schema.securezone.CheckAttestation;
import io.vmigrate.schema.securezone.Deregister;
import io.vmigrate.schema.securezone.GetIdentity;
import io.vmigrate.schema.securezone.InstallVmKey;
import io.vmigrate.schema.securezone.OpenCommand;
import io.vmigrate.schema.securezone.Provision;
import io.vmigrate.schema.securezone.ReportCompletion;
import io.vmigrate.schema.securezone.SecureZoneRequest;
import io.vmigrate.schema.securezone.SecureZoneResponse;
import io.vmigrate.schema.securezone.SessionChallenge;
import io.vmigrate.schema.securezone.SignReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The top-level records of the protocol (every message that is encoded on its own) and the schema
 * store that knows every released version of each, so a record written by an older release still
 * decodes into today's class.
 *
 * <p>Released versions live as resources under {@value #HISTORY_ROOT}, listed in
 * {@value #HISTORY_INDEX}: one file per version, never edited once released.
 */
public final class ProtocolSchemas {

    public static final String HISTORY_ROOT = "avro-history/";
    public static final String HISTORY_INDEX = HISTORY_ROOT + "index.txt";

    /** Records that are single-object encoded on their own: topic values and envelope bodies. */
    public static final List<Class<? extends SpecificRecord>> TOP_LEVEL_RECORDS = List.of(
            MigrationRequested.class,
            MigrationRejected.class,
            OperatorRequest.class,
            AbortRequested.class,
            HostApproval.class,
            HostRetirement.class,
            io.vmigrate.schema.request.CenterKeyRotationRequested.class,
            io.vmigrate.schema.request.OperatorGrant.class,
            SignedEnvelope.class,
            MigrateOut.class,
            CreateTargetVm.class,
            DeliverVmKey.class,
            ForwardedVmAttestation.class,
            DeregisterVm.class,
            AbortMigration.class,
            TargetVmCreated.class,
            KeyInstallReply.class,
            VmAttestation.class,
            MigrationCompleted.class,
            VmDeregistered.class,
            AbortAcknowledged.class,
            CommandRefused.class,
            SecurityAlert.class,
            AuditRecord.class,
            TrustRegistryEntry.class,
            CenterKeyRotation.class,
            VmInventoryEntry.class,
            HostEnrollmentRequested.class,
            VmRegistrationRequested.class,
            MigrationState.class,
            VaultedVmKey.class,
            SessionChallenge.class,
            SecureZoneRequest.class,
            SecureZoneResponse.class,
            Provision.class,
            GetIdentity.class,
            OpenCommand.class,
            InstallVmKey.class,
            AttestVm.class,
            CheckAttestation.class,
            ReportCompletion.class,
            Deregister.class,
            Abort.class,
            SignReply.class);

    private static final SchemaStore.Cache STORE = buildStore();

    private ProtocolSchemas() {}

    /** Resolves a single-object fingerprint to the writer's schema, current or historical. */
    public static SchemaStore store() {
        return STORE;
    }

    /** The schema compiled into a generated class. */
    public static Schema currentSchema(Class<? extends SpecificRecord> type) {
        AvroTrust.install();
        return SpecificData.get().getSchema(type);
    }

    /** CRC-64-AVRO fingerprint, as used by single-object encoding. */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    /** Every released schema version, parsed from the history resources. */
    public static List<Schema> releasedSchemas() {
        List<Schema> schemas = new ArrayList<>();
        for (String path : readIndex()) {
            try (InputStream in = resource(HISTORY_ROOT + path)) {
                schemas.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read released schema " + path, e);
            }
        }
        return schemas;
    }

    private static SchemaStore.Cache buildStore() {
        AvroTrust.install();
        SchemaStore.Cache cache = new SchemaStore.Cache();
        releasedSchemas().forEach(cache::addSchema);
        TOP_LEVEL_RECORDS.forEach(type -> cache.addSchema(currentSchema(type)));
        return cache;
    }

    private static List<String> readIndex() {
        try (InputStream in = resource(HISTORY_INDEX)) {
            List<String> paths = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    paths.add(trimmed);
                }
            }
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + HISTORY_INDEX, e);
        }
    }

    private static InputStream resource(String path) {
        InputStream in = ProtocolSchemas.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("missing schema resource " + path);
        }
        return in;
    }
}

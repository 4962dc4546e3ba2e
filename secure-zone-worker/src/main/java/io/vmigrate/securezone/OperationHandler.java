package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneResponse;
import java.io.IOException;
import org.apache.avro.specific.SpecificRecord;

/** Carries out one kind of secure-zone operation for an authenticated request. */
@FunctionalInterface
interface OperationHandler {

    /**
     * @param operation the decoded record {@link io.vmigrate.securezone.protocol.Operations} names for the request's type
     * @throws ZoneRefusal answered as REFUSED (without a signed reply)
     * @throws IOException if the state could not be made durable; nothing changed then
     */
    SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) throws ZoneRefusal, IOException;
}

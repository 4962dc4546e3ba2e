package io.vmigrate.securezone;

import io.vmigrate.schema.securezone.SecureZoneResponse;
import org.apache.avro.specific.SpecificRecord;

/** GET_IDENTITY: the zone's public keys, pinned key ids and (once provisioned) enrollment proof. */
final class GetIdentityHandler implements OperationHandler {

    private final ZoneStore store;
    private final ZoneIdentity identity;

    GetIdentityHandler(ZoneStore store, ZoneIdentity identity) {
        this.store = store;
        this.identity = identity;
    }

    @Override
    public SecureZoneResponse handle(RelayedRequest request, SpecificRecord operation) {
        return ZoneResponses.ok(request.sequence()).setIdentity(identity.describe(store.current())).build();
    }
}

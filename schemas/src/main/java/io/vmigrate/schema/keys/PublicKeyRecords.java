package io.vmigrate.schema.keys;

import io.vmigrate.schema.common.PublicKeyRecord;
import io.vmigrate.trust.PublicKeyHandle;
import java.nio.ByteBuffer;

/** Converts public keys between the trust API and the Avro contract, checking the key id on the way in. */
public final class PublicKeyRecords {

    private PublicKeyRecords() {}

    public static PublicKeyRecord toRecord(PublicKeyHandle key) {
        return PublicKeyRecord.newBuilder()
                .setSuite(WireEnums.toWire(key.suite()))
                .setPurpose(WireEnums.toWire(key.purpose()))
                .setKeyId(key.keyId().toString())
                .setSpki(ByteBuffer.wrap(key.encoded()))
                .build();
    }

    /**
     * Parses and validates a transported key. Refuses a key whose DER does not match its suite and
     * purpose, or whose stated key id is not the one derived from the DER.
     */
    public static PublicKeyHandle fromRecord(PublicKeyRecord record) {
        ByteBuffer spki = record.getSpki().duplicate();
        byte[] der = new byte[spki.remaining()];
        spki.get(der);
        PublicKeyHandle key = PublicKeyHandle.decode(WireEnums.fromWire(record.getSuite()),
                WireEnums.fromWire(record.getPurpose()), der);
        if (!key.keyId().toString().equals(record.getKeyId())) {
            throw new IllegalArgumentException("public key record states key id " + record.getKeyId()
                    + " but its key has id " + key.keyId());
        }
        return key;
    }
}

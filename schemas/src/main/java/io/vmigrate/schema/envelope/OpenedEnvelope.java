package io.vmigrate.schema.envelope;

import org.apache.avro.specific.SpecificRecord;

/** An envelope whose signature, validity window and body have been checked, with its decoded body. */
public final class OpenedEnvelope {

    private final SignedEnvelope envelope;
    private final SpecificRecord body;

    OpenedEnvelope(SignedEnvelope envelope, SpecificRecord body) {
        this.envelope = envelope;
        this.body = body;
    }

    public SignedEnvelope envelope() {
        return envelope;
    }

    public SpecificRecord body() {
        return body;
    }

    /** The body as the expected type; a mismatch is a programming error on the caller's side. */
    public <T extends SpecificRecord> T body(Class<T> type) {
        if (!type.isInstance(body)) {
            throw new IllegalStateException("envelope " + envelope.getMessageId() + " carries "
                    + envelope.getMessageType() + ", not " + type.getSimpleName());
        }
        return type.cast(body);
    }
}

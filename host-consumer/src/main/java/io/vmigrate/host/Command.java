package io.vmigrate.host;

import io.vmigrate.schema.envelope.SignedEnvelope;

/** A decoded command with its origin and the exact bytes relayed to the secure zone. */
record Command(CommandRecord record, SignedEnvelope envelope, byte[] bytes) {
}

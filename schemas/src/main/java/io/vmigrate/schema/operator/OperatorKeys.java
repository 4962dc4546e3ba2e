package io.vmigrate.schema.operator;

import java.util.Optional;

/** The operator identities a receiver trusts, by key id. */
@FunctionalInterface
public interface OperatorKeys {
    Optional<KnownOperator> byKeyId(String keyId);
}

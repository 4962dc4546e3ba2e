package io.vmigrate.schema.operator;

import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PublicKeyHandle;
import java.util.Objects;
import java.util.regex.Pattern;

/** An operator identity the center is configured with: a name, a role and a public signing key. */
public record KnownOperator(String name, OperatorRole role, PublicKeyHandle publicKey) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

    public KnownOperator {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(publicKey, "publicKey");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("operator name must match " + NAME.pattern() + ": '" + name + "'");
        }
        if (publicKey.purpose() != KeyPurpose.SIGNING) {
            throw new IllegalArgumentException("operator " + name + ": a " + publicKey.purpose() + " key cannot sign requests");
        }
    }

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public String keyId() {
        return publicKey.keyId().toString();
    }
}

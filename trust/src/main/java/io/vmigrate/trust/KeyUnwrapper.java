package io.vmigrate.trust;

/** Unwraps secrets wrapped to this key under the same {@link Context}. Thread-safe. */
public interface KeyUnwrapper {
    KeyId keyId();

    SecretBytes unwrap(WrappedKey wrapped, Context context) throws UnwrapRefusedException;
}

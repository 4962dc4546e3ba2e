package io.vmigrate.trust;

/** Wraps secrets (e.g. a PKCS#8 private key) to one recipient's encapsulation key. Thread-safe. */
public interface KeyWrapper {
    KeyId recipientKeyId();

    WrappedKey wrap(SecretBytes secret, Context context);
}

package io.vmigrate.trust;

/** What an asymmetric key may be used for; a key serves exactly one purpose. */
public enum KeyPurpose {
    SIGNING,
    KEY_ENCAPSULATION
}

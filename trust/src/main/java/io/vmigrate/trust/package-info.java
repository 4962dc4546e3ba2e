/**
 * vmigrate's small crypto API, shaped like Google Tink: narrow, misuse-resistant primitives over
 * two suites ({@link io.vmigrate.trust.Suite#GM GM} and {@link io.vmigrate.trust.Suite#INTL INTL}).
 * Start at {@link io.vmigrate.trust.CryptoSuites#get}. Every signature, wrapped key and AEAD
 * ciphertext is bound to its suite and key id, and signatures and wrapped keys also to a
 * {@link io.vmigrate.trust.Context}. BouncyCastle stays behind this API: no BC type appears in it.
 */
package io.vmigrate.trust;

/**
 * Certificates of the bus's own TLS ({@code SASL_SSL}): a {@link io.vmigrate.trust.tls.BusCertificateAuthority}
 * that the project generates, the broker certificates it issues (with the broker's host names and addresses as
 * subject alternative names) and the password-protected PKCS#12 key and trust stores Kafka reads. Private keys
 * leave this package only inside password-protected PKCS#12 files. BouncyCastle stays behind this API.
 */
package io.vmigrate.trust.tls;

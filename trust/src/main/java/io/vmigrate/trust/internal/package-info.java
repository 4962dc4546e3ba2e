/**
 * BouncyCastle-specific implementation details of the trust module. Not an API: other modules must
 * not use this package (it is where BC types live).
 */
package io.vmigrate.trust.internal;

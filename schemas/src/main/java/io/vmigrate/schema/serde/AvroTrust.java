package io.vmigrate.schema.serde;

import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Marks vmigrate's generated Avro packages as trusted for decoding.
 *
 * <p>Avro 1.12 refuses to instantiate classes outside its built-in allow list while decoding
 * ({@code SecurityException: Forbidden ...}). Every entry point reaches Avro through
 * {@link ProtocolSchemas} or a serde of this package, and both call {@link #install()}, so this is
 * the one place the allow list is widened, and only by our own schema packages.
 */
public final class AvroTrust {

    /** Generated classes live under this package; nothing else is added to Avro's allow list. */
    public static final String TRUSTED_PACKAGE_PREFIX = "io.vmigrate.schema.";

    private AvroTrust() {}

    /** Idempotent: adds our packages to whatever predicate is installed globally. */
    public static synchronized void install() {
        ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
        if (current instanceof VmigrateSchemasTrusted) {
            return;
        }
        ClassSecurityValidator.setGlobal(new VmigrateSchemasTrusted(current));
    }

    /** Whether {@link #install()} is in force (Avro's global predicate may be replaced by others). */
    public static boolean isInstalled() {
        return ClassSecurityValidator.getGlobal() instanceof VmigrateSchemasTrusted;
    }

    private static final class VmigrateSchemasTrusted implements ClassSecurityPredicate {
        private final ClassSecurityPredicate delegate;

        VmigrateSchemasTrusted(ClassSecurityPredicate delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean isTrusted(Class<?> clazz) {
            return clazz.getName().startsWith(TRUSTED_PACKAGE_PREFIX) || delegate.isTrusted(clazz);
        }

        @Override
        public void forbiddenClass(String className) {
            delegate.forbiddenClass(className);
        }
    }
}

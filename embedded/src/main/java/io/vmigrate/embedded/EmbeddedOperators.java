package io.vmigrate.embedded;

import io.vmigrate.cli.operator.OperatorKey;
import io.vmigrate.common.io.AtomicFiles;
import io.vmigrate.schema.operator.KnownOperator;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.operator.OperatorsFile;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded system's user as three identities, as {@code vmigrate operator init} would make them:
 * an OPERATOR key ({@code operators/operator.bcfks}), an AUDITOR key ({@code operators/auditor.bcfks}) and an
 * ADMIN key ({@code operators/admin.bcfks}, the only one that may rotate the center key),
 * each sealed with its own password kept beside it in {@code <key>.password} (mode 0600, the embedded
 * mode's convenience, like {@code secrets.properties}), and the operators file the center reads.
 */
public final class EmbeddedOperators {

    static final String OPERATOR = "operator";
    static final String AUDITOR = "auditor";
    static final String ADMIN = "admin";

    private final OperatorKey operator;
    private final OperatorKey auditor;
    private final OperatorKey admin;
    private final Path operatorsFile;

    private EmbeddedOperators(OperatorKey operator, OperatorKey auditor, OperatorKey admin, Path operatorsFile) {
        this.operator = operator;
        this.auditor = auditor;
        this.admin = admin;
        this.operatorsFile = operatorsFile;
    }

    /** Opens the three keys under {@code dataDir/operators}, creating them first time, and (re)writes the operators file. */
    public static EmbeddedOperators loadOrCreate(Path dataDir, Suite suite, SystemSecrets secrets) throws IOException {
        Path dir = dataDir.resolve("operators");
        Files.createDirectories(dir);
        String user = userName();
        OperatorKey operator = key(dir, OPERATOR, suite, secrets);
        OperatorKey auditor = key(dir, AUDITOR, suite, secrets);
        OperatorKey admin = key(dir, ADMIN, suite, secrets);
        Path file = dataDir.resolve("center").resolve("operators");
        Files.createDirectories(file.getParent());
        OperatorsFile.write(file, List.of(new KnownOperator(user, OperatorRole.OPERATOR, operator.publicKey()),
                new KnownOperator(user + "-auditor", OperatorRole.AUDITOR, auditor.publicKey()),
                new KnownOperator(user + "-admin", OperatorRole.ADMIN, admin.publicKey())));
        return new EmbeddedOperators(operator, auditor, admin, file);
    }

    public OperatorKey operator() {
        return operator;
    }

    public OperatorKey auditor() {
        return auditor;
    }

    public OperatorKey admin() {
        return admin;
    }

    public Path operatorsFile() {
        return operatorsFile;
    }

    private static OperatorKey key(Path dir, String name, Suite suite, SystemSecrets secrets) throws IOException {
        Path store = dir.resolve(name + ".bcfks");
        char[] password = secrets.operatorPassword(name);
        try {
            AtomicFiles.writeString(store.resolveSibling(name + ".bcfks.password"), new String(password),
                    AtomicFiles.Permissions.OWNER_ONLY);
            return Files.exists(store) ? OperatorKey.open(store, password) : OperatorKey.create(store, password, suite);
        } catch (SealedKeyStoreException e) {
            throw new IOException("cannot open operator key " + store + ": " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }

    private static String userName() {
        String user = System.getProperty("user.name", "");
        return KnownOperator.isValidName(user) && user.length() <= 48 ? user : "operator";
    }
}

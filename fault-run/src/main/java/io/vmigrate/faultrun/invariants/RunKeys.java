package io.vmigrate.faultrun.invariants;

import io.vmigrate.embedded.SystemSecrets;
import io.vmigrate.faultrun.RunLayout;
import io.vmigrate.host.enrollment.AgentKeys;
import io.vmigrate.securezone.InstalledVmKey;
import io.vmigrate.securezone.VtcmStore;
import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.KeyPurpose;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SealedKeyStore;
import io.vmigrate.trust.SealedKeyStoreException;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every private key (and sealing secret) a run holds, read the way only its owner can: each sealed store opened
 * with the run's password, every alias in it taken, and each zone's installed VM keys unsealed with its vTCM
 * sealing key. The needles are each key's canonical PKCS#8 and its bare private value. A store that should be
 * there and is not fails the read: the scan can never pass by finding no keys.
 *
 * <p>The vTCM layout (alias, associated data) is restated from the secure zone's {@code ZoneKeys} and
 * {@code VtcmStore} on purpose: if it changes there, this fails loudly.
 */
public final class RunKeys {

    private static final String ZONE_KEY_STORE = "keys.bcfks";
    private static final String VTCM_SEALING_ALIAS = "vtcm-sealing";
    private static final byte[][] PRIVATE_VALUE_MARKERS = {{0x04, 0x22, 0x04, 0x20}, {0x02, 0x01, 0x01, 0x04, 0x20}};

    private final List<KeyNeedle> needles;
    private final Map<String, Integer> keysByKind;

    private RunKeys(List<KeyNeedle> needles, Map<String, Integer> keysByKind) {
        this.needles = List.copyOf(needles);
        this.keysByKind = Map.copyOf(keysByKind);
    }

    public static RunKeys read(RunLayout layout) throws IOException {
        SystemSecrets secrets = layout.secrets();
        List<KeyNeedle> needles = new ArrayList<>();
        Map<String, Integer> kinds = new TreeMap<>();
        for (String host : layout.hostIds()) {
            char[] sealing = secrets.sealingPassword(host);
            Path zoneStore = layout.secureZoneStateDir(host).resolve(ZONE_KEY_STORE);
            readStore(zoneStore, sealing, "zone " + host, needles, kinds, "zone key");
            for (byte[] pkcs8 : installedVmKeysPkcs8(layout.secureZoneStateDir(host), sealing, layout.suite())) {
                addPrivateKey("VM key in zone " + host, pkcs8, needles);
                kinds.merge("VM key", 1, Integer::sum);
            }
            readStore(layout.agentStateDir(host).resolve(AgentKeys.KEYSTORE_FILE), secrets.agentPassword(host),
                    "agent " + host, needles, kinds, "agent key");
        }
        readStore(layout.centerVault(), secrets.centerVaultPassword(), "center vault", needles, kinds, "center key");
        Path operators = layout.dataDir().resolve("operators");
        if (Files.isDirectory(operators)) {
            try (Stream<Path> stores = Files.list(operators)) {
                for (Path store : stores.filter(p -> p.getFileName().toString().endsWith(".bcfks")).sorted().toList()) {
                    String name = store.getFileName().toString().replace(".bcfks", "");
                    readStore(store, secrets.operatorPassword(name), "operator " + name, needles, kinds, "operator key");
                }
            }
        }
        return new RunKeys(needles, kinds);
    }

    /** The canonical PKCS#8 of every VM key installed in the zone whose state dir is {@code stateDir}. */
    public static List<byte[]> installedVmKeysPkcs8(Path stateDir, char[] sealingPassword, Suite suite) throws IOException {
        List<InstalledVmKey> installed = VtcmStore.listInstalled(stateDir, sealingPassword);
        if (installed.isEmpty()) {
            return List.of();
        }
        Path keyStore = stateDir.resolve(ZONE_KEY_STORE);
        if (!Files.exists(keyStore)) {
            throw new IOException("no sealed key store in " + stateDir);
        }
        Aead sealing;
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(keyStore, sealingPassword)) {
            SecretBytes key = store.getSecret(VTCM_SEALING_ALIAS)
                    .orElseThrow(() -> new IOException("no vTCM sealing key in " + keyStore));
            try {
                sealing = CryptoSuites.get(suite).aead(key);
            } finally {
                key.destroy();
            }
        } catch (SealedKeyStoreException e) {
            throw new IOException("cannot open " + keyStore + ": " + e.getMessage(), e);
        }
        List<byte[]> keys = new ArrayList<>(installed.size());
        for (InstalledVmKey vmKey : installed) {
            byte[] plaintext;
            try {
                plaintext = sealing.decrypt(AeadCiphertext.parse(vmKey.sealedPrivateKey()),
                        Context.of("", vmKey.vmId(), "", "vtcm-vm-key@" + vmKey.epoch()).encode());
            } catch (io.vmigrate.trust.TrustException e) {
                throw new IOException("cannot unseal the key of " + vmKey.vmId() + " in " + stateDir + ": " + e.getMessage(), e);
            }
            // Imported and exported again, so the bytes are the key's canonical PKCS#8 encoding.
            PrivateKeyHandle handle = PrivateKeyHandle.importPkcs8(suite, KeyPurpose.SIGNING, SecretBytes.copyOf(plaintext),
                    SecretKeyAccess.insecureSecretAccess());
            try {
                keys.add(handle.exportPkcs8(SecretKeyAccess.insecureSecretAccess())
                        .toByteArray(SecretKeyAccess.insecureSecretAccess()));
            } finally {
                handle.destroy();
                Arrays.fill(plaintext, (byte) 0);
            }
        }
        return keys;
    }

    /** The 32-byte private value inside a PKCS#8 key: Ed25519/X25519 {@code 04 22 04 20 <v>}, SM2 {@code 02 01 01 04 20 <d>}. */
    public static byte[] privateValueOf(byte[] pkcs8) {
        for (byte[] marker : PRIVATE_VALUE_MARKERS) {
            for (int at = 0; at + marker.length + 32 <= pkcs8.length; at++) {
                if (Arrays.equals(pkcs8, at, at + marker.length, marker, 0, marker.length)) {
                    return Arrays.copyOfRange(pkcs8, at + marker.length, at + marker.length + 32);
                }
            }
        }
        throw new IllegalArgumentException("no private value found in a PKCS#8 key of " + pkcs8.length + " bytes");
    }

    public List<KeyNeedle> needles() {
        return needles;
    }

    /** How many keys of each kind were read (zone key, VM key, agent key, center key, operator key, sealing secret). */
    public Map<String, Integer> keysByKind() {
        return keysByKind;
    }

    private static void readStore(Path file, char[] password, String owner, List<KeyNeedle> needles,
            Map<String, Integer> kinds, String kind) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no sealed store " + file + " for " + owner);
        }
        try (SealedKeyStore store = SealedKeyStore.openOrCreate(file, password)) {
            for (String alias : store.aliases()) {
                Optional<PrivateKeyHandle> key = privateKey(store, alias);
                if (key.isPresent()) {
                    try {
                        addPrivateKey(owner + " " + alias, key.get().exportPkcs8(SecretKeyAccess.insecureSecretAccess())
                                .toByteArray(SecretKeyAccess.insecureSecretAccess()), needles);
                    } finally {
                        key.get().destroy();
                    }
                    kinds.merge(kind, 1, Integer::sum);
                    continue;
                }
                Optional<SecretBytes> secret = store.getSecret(alias);
                if (secret.isPresent()) {
                    byte[] bytes = secret.get().toByteArray(SecretKeyAccess.insecureSecretAccess());
                    secret.get().destroy();
                    if (bytes.length >= ByteNeedles.PREFIX_BYTES) {
                        needles.add(new KeyNeedle(owner + " " + alias + " (sealing secret)", bytes));
                        kinds.merge("sealing secret", 1, Integer::sum);
                    }
                    Arrays.fill(bytes, (byte) 0);
                }
            }
        } catch (SealedKeyStoreException e) {
            throw new IOException("cannot read " + file + " for " + owner + ": " + e.getMessage(), e);
        }
    }

    /** The private key under {@code alias}, or empty when the alias holds a secret key instead. */
    private static Optional<PrivateKeyHandle> privateKey(SealedKeyStore store, String alias) throws SealedKeyStoreException {
        try {
            return store.get(alias);
        } catch (SealedKeyStoreException secretKey) {
            if (store.getSecret(alias).isPresent()) {
                return Optional.empty();
            }
            throw secretKey;
        }
    }

    private static void addPrivateKey(String label, byte[] pkcs8, List<KeyNeedle> needles) {
        needles.add(new KeyNeedle(label + " (PKCS#8)", pkcs8));
        needles.add(new KeyNeedle(label + " (private value)", privateValueOf(pkcs8)));
        Arrays.fill(pkcs8, (byte) 0);
    }
}

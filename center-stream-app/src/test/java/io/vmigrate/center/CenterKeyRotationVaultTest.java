package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.schema.registry.CenterKeyRotation;
import io.vmigrate.schema.registry.CenterKeyRotations;
import io.vmigrate.schema.registry.TrustRegistryEntries;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import io.vmigrate.schema.serde.AvroTrust;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.Verifier;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the center publishes for a rotation: the statement, the signing switch, and the registry entries. */
class CenterKeyRotationVaultTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    private static final Duration OVERLAP = Duration.ofMinutes(30);

    @BeforeAll
    static void trustOurAvroClasses() {
        AvroTrust.install();
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aSignatureIsMadeByTheKeyItsSignerNamedEvenIfARotationLandsInBetween(Suite suite) throws Exception {
        try (CenterVault vault = CenterVault.openOrCreate(dir.resolve("race.bcfks"), "pw".toCharArray(), suite)) {
            var signer = vault.signer();
            String named = signer.keyId().toString();
            vault.activate(vault.rotate(T0, OVERLAP));
            var signature = signer.sign(new byte[] {1, 2, 3}, io.vmigrate.trust.Context.of("m", "vm", "h"));
            vault.verifierOf(named).orElseThrow().verify(signature, new byte[] {1, 2, 3},
                    io.vmigrate.trust.Context.of("m", "vm", "h"));
            assertThat(signer.keyId().toString()).isNotEqualTo(named);
        }
    }

    @ParameterizedTest
    @EnumSource(Suite.class)
    void aRotationIsSignedByTheOldKeySwitchesSigningOnActivationAndSurvivesARestart(Suite suite) throws Exception {
        Path file = dir.resolve("center.bcfks");
        String k0;
        String k1;
        try (CenterVault vault = CenterVault.openOrCreate(file, "pw".toCharArray(), suite)) {
            k0 = vault.centerPublicKey().keyId().toString();
            CenterKeyRotation statement = vault.rotate(T0, OVERLAP);
            k1 = statement.getNewKey().getKeyId();
            assertThat(statement.getSequence()).isEqualTo(1);
            assertThat(statement.getOldKeyId()).isEqualTo(k0);
            assertThat(statement.getOldKeyValidUntil()).isEqualTo(T0.plus(OVERLAP));
            assertThat(vault.signer().keyId().toString()).as("not before the announcement went out").isEqualTo(k0);
            assertThat(vault.signerOf(k0).keyId().toString()).isEqualTo(k0);
            // Announcing failed, say: asking again announces the same statement, not a second successor.
            assertThat(vault.rotate(T0.plusSeconds(5), OVERLAP)).isEqualTo(statement);
        }
        try (CenterVault vault = CenterVault.openOrCreate(file, "pw".toCharArray(), suite)) {
            // A restart before the announcement went out keeps the old key signing, and the rotation pending.
            assertThat(vault.signer().keyId().toString()).isEqualTo(k0);
            assertThat(vault.rotations()).isEmpty();
            CenterKeyRotation statement = vault.rotate(T0.plusSeconds(10), OVERLAP);
            assertThat(statement.getNewKey().getKeyId()).isEqualTo(k1);

            Verifier oldKey = CryptoSuites.get(suite).verifier(vault.centerPublicKey());
            Verifier newKey = CryptoSuites.get(suite).verifier(CenterKeyRotations.newKey(statement));
            assertThat(CenterKeyRotations.isSignedBy(statement, oldKey, newKey)).isTrue();
            assertThat(CenterKeyRotations.isSignedBy(statement, newKey, newKey)).isFalse();

            vault.activate(statement);
            assertThat(vault.signer().keyId().toString()).isEqualTo(k1);
            assertThat(vault.signingPublicKey().keyId().toString()).isEqualTo(k1);
            assertThat(vault.centerPublicKey().keyId().toString()).as("the pinned root does not change").isEqualTo(k0);
        }
        try (CenterVault vault = CenterVault.openOrCreate(file, "pw".toCharArray(), suite)) {
            assertThat(vault.signer().keyId().toString()).isEqualTo(k1);
            assertThat(vault.centerPublicKey().keyId().toString()).isEqualTo(k0);
            assertThat(vault.rotations()).singleElement().satisfies(r -> assertThat(r.getNewKey().getKeyId()).isEqualTo(k1));

            CenterKeyRotation second = vault.rotate(T0.plus(Duration.ofHours(2)), OVERLAP);
            assertThat(second.getSequence()).isEqualTo(2);
            assertThat(second.getOldKeyId()).isEqualTo(k1);
            vault.activate(second);
            String k2 = second.getNewKey().getKeyId();

            Instant at = T0.plus(Duration.ofHours(3));
            Map<String, TrustRegistryEntry> entries = vault.centerKeyEntries(at).stream()
                    .collect(Collectors.toMap(TrustRegistryEntry::getEntryId, Function.identity()));
            assertThat(entries.keySet()).containsExactlyInAnyOrder("center:" + k0, "center:" + k1, "center:" + k2);
            // Each key's entry is signed by its predecessor, the first by itself: the registry chains from the pin.
            assertThat(entries.get("center:" + k0).getSignerKeyId()).isEqualTo(k0);
            assertThat(entries.get("center:" + k1).getSignerKeyId()).isEqualTo(k0);
            assertThat(entries.get("center:" + k2).getSignerKeyId()).isEqualTo(k1);
            assertThat(entries.get("center:" + k0).getCenterKey().getValidUntil()).isEqualTo(T0.plus(OVERLAP));
            assertThat(entries.get("center:" + k1).getCenterKey().getValidFrom()).isEqualTo(T0);
            assertThat(entries.get("center:" + k1).getCenterKey().getValidUntil())
                    .isEqualTo(T0.plus(Duration.ofHours(2)).plus(OVERLAP));
            assertThat(entries.get("center:" + k2).getCenterKey().getValidUntil()).isNull();
            for (TrustRegistryEntry entry : entries.values()) {
                Verifier signer = vault.verifierOf(entry.getSignerKeyId()).orElseThrow();
                assertThat(TrustRegistryEntries.isSignedBy(entry, signer)).isTrue();
            }
            // The center's own judge of registry entries takes every one of them, whichever key signed it.
            CenterRegistryEntries judge = new CenterRegistryEntries(vault::verifierOf);
            for (TrustRegistryEntry entry : entries.values()) {
                assertThat(judge.judge(entry.getEntryId(), new RegistryRecord.Decoded(entry), null).isTaken()).isTrue();
            }
            TrustRegistryEntry foreign = TrustRegistryEntries.centerKey(
                    TrustRegistryEntries.centerKeyValidity(CryptoSuites.get(suite).generateSigningKey().publicKey(), at, null),
                    at, CryptoSuites.get(suite).signer(CryptoSuites.get(suite).generateSigningKey()));
            assertThat(judge.judge(foreign.getEntryId(), new RegistryRecord.Decoded(foreign), null).isTaken()).isFalse();
            assertThat(List.of(k0, k1, k2)).doesNotHaveDuplicates();
        }
    }
}

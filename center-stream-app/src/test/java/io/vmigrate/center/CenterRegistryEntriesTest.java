package io.vmigrate.center;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.center.CenterRegistryEntries.Ignored;
import io.vmigrate.schema.registry.TrustRegistryEntry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CenterRegistryEntriesTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private final RegistryFixtures fixtures = new RegistryFixtures();
    private final TrustRegistryEntry own = fixtures.host("h1", T0, fixtures.center);

    private CenterRegistryEntries.Verdict judge(String key, RegistryRecord value, TrustRegistryEntry held) {
        return fixtures.judge.judge(key, value, held);
    }

    @Test
    void theCentersEntryForItsOwnKeyIsTaken() {
        assertThat(judge("host:h1", new RegistryRecord.Decoded(own), null).taken()).contains(own);
        assertThat(judge("host:h1", new RegistryRecord.Decoded(own), own).taken()).as("again: the same").contains(own);
    }

    @Test
    void aNewerCenterEntryReplacesTheHeldOneAndAnOlderOneDoesNot() {
        TrustRegistryEntry newer = fixtures.host("h1", T0.plusSeconds(60), fixtures.center);
        assertThat(judge("host:h1", new RegistryRecord.Decoded(newer), own).taken()).contains(newer);
        assertThat(judge("host:h1", new RegistryRecord.Decoded(own), newer).ignored()).isEqualTo(Ignored.OLDER_THAN_HELD);
    }

    @Test
    void tombstonesNeverDelete() {
        assertThat(judge("host:h1", new RegistryRecord.Tombstone(), own).ignored()).isEqualTo(Ignored.TOMBSTONE);
    }

    @Test
    void anEntrySignedByAnotherKeyIsIgnored() {
        TrustRegistryEntry foreign = fixtures.host("h1", T0.plusSeconds(60), fixtures.stranger);
        assertThat(judge("host:h1", new RegistryRecord.Decoded(foreign), own).ignored()).isEqualTo(Ignored.NOT_CENTER_SIGNED);
    }

    @Test
    void aCenterEntryUnderAnotherKeyIsIgnored() {
        assertThat(judge("host:h2", new RegistryRecord.Decoded(own), null).ignored()).isEqualTo(Ignored.NOT_CENTER_SIGNED);
    }

    @Test
    void anEntryWithABitFlippedInItsSignatureIsIgnored() {
        byte[] bytes = fixtures.bytes(own);
        bytes[bytes.length - 1] ^= 1;
        assertThat(judge("host:h1", fixtures.read(bytes), null).ignored()).isIn(Ignored.NOT_CENTER_SIGNED, Ignored.UNDECODABLE);
    }

    @Test
    void undecodableBytesAndMissingKeysAreIgnored() {
        assertThat(judge("host:h1", new RegistryRecord.Undecodable("garbage"), own).ignored()).isEqualTo(Ignored.UNDECODABLE);
        assertThat(judge(null, new RegistryRecord.Decoded(own), null).ignored()).isEqualTo(Ignored.NO_KEY);
    }

    @Test
    void ignoredReasonsAreMetricTags() {
        assertThat(Ignored.NOT_CENTER_SIGNED.tag()).isEqualTo("not-center-signed");
    }
}

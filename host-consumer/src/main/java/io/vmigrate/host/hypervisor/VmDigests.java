package io.vmigrate.host.hypervisor;

import java.util.Arrays;

/** What a VM attestation covers: the digest of the VM's description and of its image manifest. */
public final class VmDigests {

    private final byte[] descriptionDigest;
    private final byte[] imageManifestDigest;

    public VmDigests(byte[] descriptionDigest, byte[] imageManifestDigest) {
        this.descriptionDigest = descriptionDigest.clone();
        this.imageManifestDigest = imageManifestDigest.clone();
    }

    public byte[] descriptionDigest() {
        return descriptionDigest.clone();
    }

    public byte[] imageManifestDigest() {
        return imageManifestDigest.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VmDigests
                && Arrays.equals(descriptionDigest, ((VmDigests) other).descriptionDigest)
                && Arrays.equals(imageManifestDigest, ((VmDigests) other).imageManifestDigest);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(descriptionDigest) + Arrays.hashCode(imageManifestDigest);
    }

    @Override
    public String toString() {
        return "VmDigests[description=" + hex(descriptionDigest) + ", imageManifest=" + hex(imageManifestDigest) + "]";
    }

    private static String hex(byte[] bytes) {
        var text = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            text.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return text.toString();
    }
}

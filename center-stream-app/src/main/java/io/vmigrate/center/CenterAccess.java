package io.vmigrate.center;

import io.vmigrate.schema.keys.TrustAnchors;
import io.vmigrate.schema.operator.OperatorKeys;
import io.vmigrate.schema.operator.OperatorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/**
 * Who the center takes requests from and which hosts it trusts without an operator's approval: those
 * on the allow-list, and those vouched for by a configured provisioning CA.
 */
public record CenterAccess(OperatorKeys operators, HostAllowList preapprovedHosts, TrustAnchors provisioningCas) {

    public CenterAccess {
        Objects.requireNonNull(operators, "operators");
        Objects.requireNonNull(preapprovedHosts, "preapprovedHosts");
        Objects.requireNonNull(provisioningCas, "provisioningCas");
    }

    public CenterAccess(OperatorKeys operators, HostAllowList preapprovedHosts) {
        this(operators, preapprovedHosts, TrustAnchors.none());
    }

    /** Nobody: every request refused, every new host pending. */
    public static CenterAccess nobody() {
        return new CenterAccess(keyId -> Optional.empty(), HostAllowList.none());
    }

    /** Reads the operators, allow-list and provisioning-CA files the configuration names; a bad file fails the start. */
    public static CenterAccess from(CenterConfig config) {
        OperatorKeys operators = keyId -> Optional.empty();
        HostAllowList allowList = HostAllowList.none();
        TrustAnchors provisioningCas = TrustAnchors.none();
        if (config.operatorsFile().isPresent()) {
            try {
                operators = OperatorsFile.read(config.operatorsFile().get(), config.suite());
            } catch (IOException e) {
                throw new ConfigException(CenterConfig.OPERATORS_FILE, config.operatorsFile().get().toString(), e.getMessage());
            }
        }
        if (config.hostsAllowListFile().isPresent()) {
            try {
                allowList = HostAllowList.read(config.hostsAllowListFile().get());
            } catch (IOException e) {
                throw new ConfigException(CenterConfig.HOSTS_ALLOWLIST_FILE, config.hostsAllowListFile().get().toString(),
                        e.getMessage());
            }
        }
        if (config.provisioningCaFile().isPresent()) {
            provisioningCas = anchors(config.provisioningCaFile().get(), config, CenterConfig.HOSTS_PROVISIONING_CA_FILE);
        }
        return new CenterAccess(operators, allowList, provisioningCas);
    }

    static TrustAnchors anchors(Path file, CenterConfig config, String key) {
        try {
            return TrustAnchors.read(file, config.suite());
        } catch (IOException e) {
            throw new ConfigException(key, file.toString(), e.getMessage());
        }
    }
}

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
 * Who the center takes requests from (the operators file, and operators granted by a configured admin
 * key, see {@link GrantedOperators}) and which hosts it trusts without an operator's approval: those
 * on the allow-list, and those vouched for by a configured provisioning CA.
 */
public record CenterAccess(OperatorKeys operators, HostAllowList preapprovedHosts, TrustAnchors provisioningCas,
        TrustAnchors adminKeys) {

    public CenterAccess {
        Objects.requireNonNull(operators, "operators");
        Objects.requireNonNull(preapprovedHosts, "preapprovedHosts");
        Objects.requireNonNull(provisioningCas, "provisioningCas");
        Objects.requireNonNull(adminKeys, "adminKeys");
    }

    public CenterAccess(OperatorKeys operators, HostAllowList preapprovedHosts) {
        this(operators, preapprovedHosts, TrustAnchors.none(), TrustAnchors.none());
    }

    /** Nobody: every request refused, every new host pending. */
    public static CenterAccess nobody() {
        return new CenterAccess(keyId -> Optional.empty(), HostAllowList.none());
    }

    /** Reads the operators, allow-list, provisioning-CA and admin-key files the configuration names; a bad file fails the start. */
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
        TrustAnchors adminKeys = config.adminKeyFile().isPresent()
                ? anchors(config.adminKeyFile().get(), config, CenterConfig.ADMIN_KEY_FILE) : TrustAnchors.none();
        return new CenterAccess(operators, allowList, provisioningCas, adminKeys);
    }

    static TrustAnchors anchors(Path file, CenterConfig config, String key) {
        try {
            return TrustAnchors.read(file, config.suite());
        } catch (IOException e) {
            throw new ConfigException(key, file.toString(), e.getMessage());
        }
    }
}

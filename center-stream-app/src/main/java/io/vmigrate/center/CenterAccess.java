package io.vmigrate.center;

import io.vmigrate.schema.operator.OperatorKeys;
import io.vmigrate.schema.operator.OperatorsFile;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/** Who the center takes requests from and which hosts it trusts without an operator's approval. */
public record CenterAccess(OperatorKeys operators, HostAllowList preapprovedHosts) {

    public CenterAccess {
        Objects.requireNonNull(operators, "operators");
        Objects.requireNonNull(preapprovedHosts, "preapprovedHosts");
    }

    /** Nobody: every request refused, every new host pending. */
    public static CenterAccess nobody() {
        return new CenterAccess(keyId -> Optional.empty(), HostAllowList.none());
    }

    /** Reads the operators and allow-list files the configuration names; a bad file fails the start. */
    public static CenterAccess from(CenterConfig config) {
        OperatorKeys operators = keyId -> Optional.empty();
        HostAllowList allowList = HostAllowList.none();
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
        return new CenterAccess(operators, allowList);
    }
}

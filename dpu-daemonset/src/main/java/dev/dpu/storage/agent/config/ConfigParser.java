package dev.dpu.storage.agent.config;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.dataplane.InvalidDataplaneConfigException;

/**
 * Reads {@code dataplane.json} with the contract's own reader (operator/api): the same types and
 * rules the operator writes with. Every tenant a subsystem names is made explicit (unlimited when
 * the tenants list has no entry for it), since the data path charges I/O to tenants it knows.
 */
public final class ConfigParser {

    private ConfigParser() {}

    public static DataplaneConfig parse(String json) throws ConfigException {
        try {
            DataplaneConfig config = DataplaneContract.read(json);
            return config.withContent(config.subsystems(), config.tenantsWithImplicit());
        } catch (InvalidDataplaneConfigException e) {
            throw new ConfigException(e.malformed() ? "MalformedJson" : "InvalidConfig", e.problems());
        }
    }

    /** sha256 of the exact text, hex: what DpuNodeState reports as appliedConfigHash. */
    public static String sha256(String json) {
        return DataplaneContract.hash(json);
    }
}

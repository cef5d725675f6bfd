package dev.dpu.storage.operator;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Settings of the operator that are not part of any custom resource.
 *
 * @param defaultAgentImage the agent image for pools that do not name one (dpu.agent.image)
 * @param watchNamespaces the namespaces whose DpuStoragePools, OffloadProfiles and TenantQoS the
 *     operator reconciles (dpu.operator.watch-namespaces); empty: every namespace
 */
public record OperatorSettings(String defaultAgentImage, Set<String> watchNamespaces) {
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public OperatorSettings {
        watchNamespaces = Set.copyOf(watchNamespaces);
    }

    /** Every namespace watched. */
    public OperatorSettings(String defaultAgentImage) {
        this(defaultAgentImage, Set.of());
    }

    /**
     * The namespaces of a comma-separated list such as "storage, storage-secure"; blank: every
     * namespace. A name that cannot be a namespace is refused, naming the setting, rather than
     * leaving the operator to watch a namespace that can never exist.
     */
    public static Set<String> parseNamespaces(String list) {
        Set<String> namespaces = new TreeSet<>();
        if (list == null || list.isBlank()) {
            return namespaces;
        }
        for (String name : Arrays.stream(list.split(",")).map(String::strip).toList()) {
            if (!NAMESPACE.matcher(name).matches()) {
                throw new IllegalArgumentException("dpu.operator.watch-namespaces (DPU_OPERATOR_WATCH_NAMESPACES): \""
                        + name + "\" is not a namespace name (lower-case letters, digits and '-', at most 63);"
                        + " give a comma-separated list of namespaces, or nothing for every namespace");
            }
            namespaces.add(name);
        }
        return namespaces;
    }
}

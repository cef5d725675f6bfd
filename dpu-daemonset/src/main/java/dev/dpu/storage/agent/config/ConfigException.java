package dev.dpu.storage.agent.config;

import java.util.List;

/**
 * A rendered configuration was refused before anything was applied. {@link #problems()} names each
 * offending field by its JSON path ({@code subsystems[0].namespaces[1].backend: ...}).
 */
public final class ConfigException extends Exception {

    private final String reason;
    private final List<String> problems;

    /**
     * @param reason CamelCase reason for the ConfigApplied condition (e.g. {@code InvalidConfig},
     *     {@code KeyMissing}, {@code MalformedJson})
     */
    public ConfigException(String reason, List<String> problems) {
        super(String.join("; ", problems));
        this.reason = reason;
        this.problems = List.copyOf(problems);
    }

    public String reason() {
        return reason;
    }

    public List<String> problems() {
        return problems;
    }
}

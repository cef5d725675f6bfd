package dev.dpu.storage.operator;

/**
 * Settings of the operator that are not part of any custom resource.
 *
 * @param defaultAgentImage the agent image for pools that do not name one (dpu.agent.image)
 */
public record OperatorSettings(String defaultAgentImage) {}

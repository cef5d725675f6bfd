-- Argo CD health of a DpuNodeState (storage.dpu.dev/v1alpha1), read from the status the node's
-- agent writes (docs/agent.md): Degraded when the node runs a lower offload mode than its profile
-- asks (Degraded True, OffloadDegraded) or refused its newest configuration (ConfigApplied False),
-- or cannot use a remote (NvmeTcp) backend (status.remoteBackends: Failed), Progressing while it
-- waits for its first configuration, shuts down, has a restart pending or is (re)connecting to a
-- remote backend, Healthy when it serves the configuration. Only Lua base functions: Argo CD runs
-- checks from argocd-cm without the string and math libraries.
local hs = {}

local function condition(conditionType)
  if obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

if obj.status == nil or obj.status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the node's agent to report status"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the node's agent to report on generation " .. obj.metadata.generation
  return hs
end

local ready = condition("Ready")
local degraded = condition("Degraded")
local applied = condition("ConfigApplied")
local restart = condition("RestartPending")

if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = degraded.message
  return hs
end
-- NoConfig: no configuration seen yet, nothing refused.
if applied ~= nil and applied.status == "False" and applied.reason ~= "NoConfig" then
  hs.status = "Degraded"
  hs.message = applied.message
  return hs
end
-- Remote backends: Failed needs a person (the reason says what), Connecting heals by itself.
local connecting = nil
if obj.status.remoteBackends ~= nil then
  for _, r in ipairs(obj.status.remoteBackends) do
    if r.state == "Failed" then
      hs.status = "Degraded"
      hs.message = "remote backend " .. r.name .. " (" .. r.target .. "): " .. r.reason
      return hs
    end
    if r.state ~= "Connected" and connecting == nil then
      connecting = r
    end
  end
end
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the node's agent to report the Ready condition"
  return hs
end
if ready.status ~= "True" then
  if ready.reason == "NoConfig" or ready.reason == "ShuttingDown" then
    hs.status = "Progressing"
  else
    hs.status = "Degraded"
  end
  hs.message = ready.message
  return hs
end
if connecting ~= nil then
  hs.status = "Progressing"
  hs.message = "remote backend " .. connecting.name .. " (" .. connecting.target .. ") " .. connecting.state .. ": " .. connecting.reason
  return hs
end
if restart ~= nil and restart.status == "True" then
  hs.status = "Progressing"
  hs.message = restart.message
  return hs
end
hs.status = "Healthy"
hs.message = ready.message
return hs

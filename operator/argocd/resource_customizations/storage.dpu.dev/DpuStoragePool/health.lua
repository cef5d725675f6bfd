-- Argo CD health of a DpuStoragePool (storage.dpu.dev/v1alpha1), read from the status the
-- operator writes (docs/api.md): Progressing while the operator has not caught up with the spec
-- or the agents roll out, Degraded when a person must act (Stalled, a node served by two pools),
-- Healthy when Ready. Only Lua base functions: Argo CD runs checks
-- from argocd-cm without the string and math libraries.
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
  hs.message = "Waiting for the operator to report status"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile generation " .. obj.metadata.generation
  return hs
end

local ready = condition("Ready")
local stalled = condition("Stalled")
local reconciling = condition("Reconciling")
local conflict = condition("NodeConflict")

-- The profile's status is older than its spec: the operator validates it in a moment.
if stalled ~= nil and stalled.status == "True" and stalled.reason ~= "OffloadProfileNotValidated" then
  hs.status = "Degraded"
  hs.message = stalled.message
  return hs
end
if conflict ~= nil and conflict.status == "True" then
  hs.status = "Degraded"
  hs.message = conflict.message
  return hs
end
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the Ready condition"
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end
if ready.status == "False" and (reconciling == nil or reconciling.status ~= "True")
    and (stalled == nil or stalled.status ~= "True") then
  hs.status = "Degraded"
  hs.message = ready.message
  return hs
end
-- RollingOut, AgentPodNotReady, ReconcileFailed (retried with backoff): the message has the counts.
hs.status = "Progressing"
hs.message = ready.message
return hs

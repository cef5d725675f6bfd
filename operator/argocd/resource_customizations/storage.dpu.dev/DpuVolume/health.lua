-- Argo CD health of a DpuVolume (storage.dpu.dev/v1alpha1), read from the status the operator
-- writes (docs/api.md): Progressing until the operator has reconciled the current spec, Degraded
-- when it is Stalled (the pool does not serve it: pool, backend or tenant missing, nsid or remote
-- namespace used by an older volume, name used by an inline volume), Healthy when the pool's
-- rendered configuration serves it.
-- Only Lua base functions: Argo CD runs checks
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

if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message
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
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = ready.message
  return hs
end
hs.status = "Degraded"
hs.message = ready.message
return hs

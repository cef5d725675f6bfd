-- Argo CD health of a TenantQoS (storage.dpu.dev/v1alpha1), read from the status the operator
-- writes (docs/api.md): Progressing until the operator has reconciled the current spec, Degraded
-- when it is Stalled (pool not found, a volume not in the pool or another tenant's), Healthy when
-- Ready; a Healthy tenant whose limits are not enforced (FullOffload pool) says so in the message.
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
local limits = condition("LimitsEnforced")

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
  if limits ~= nil and limits.status == "False" then
    hs.message = ready.message .. " " .. limits.message
  end
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

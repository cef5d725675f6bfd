package dev.dpu.storage.operator.reconciler;

import dev.dpu.storage.api.dataplane.DataplaneConfig;
import dev.dpu.storage.api.dataplane.DataplaneContract;
import dev.dpu.storage.api.dataplane.InvalidDataplaneConfigException;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuStoragePoolStatus;
import dev.dpu.storage.api.v1alpha1.DpuVolume;
import dev.dpu.storage.api.v1alpha1.OffloadProfile;
import dev.dpu.storage.api.v1alpha1.TenantQoS;
import dev.dpu.storage.operator.OperatorSettings;
import dev.dpu.storage.operator.dependent.AgentRoleBindingDependent;
import dev.dpu.storage.operator.dependent.AgentRoleDependent;
import dev.dpu.storage.operator.dependent.AgentServiceAccountDependent;
import dev.dpu.storage.operator.dependent.ConfigMapDependent;
import dev.dpu.storage.operator.dependent.DaemonSetDependent;
import dev.dpu.storage.operator.dependent.MetricsServiceDependent;
import dev.dpu.storage.operator.dependent.ServiceMonitorCrdPresent;
import dev.dpu.storage.operator.dependent.ServiceMonitorDependent;
import dev.dpu.storage.operator.model.Names;
import dev.dpu.storage.operator.model.PoolInputs;
import dev.dpu.storage.operator.model.PoolModel;
import dev.dpu.storage.operator.model.PoolVolumes;
import dev.dpu.storage.operator.status.Conditions;
import dev.dpu.storage.operator.status.EventRecorder;
import dev.dpu.storage.operator.status.NodeSummary;
import dev.dpu.storage.operator.status.PoolTopology;
import dev.dpu.storage.operator.status.StatusTail;
import dev.dpu.storage.operator.status.VolumeStatuses;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * DpuStoragePool: resolves the pool's inputs (profile, tenants, nodes), lets the workflow apply
 * the desired objects, then writes status. When an input is missing or not valid yet, nothing
 * that already runs is touched: the workflow is skipped and status says what is missing; the
 * watches on profiles, tenants, nodes, node states and other pools bring the pool back.
 */
@Workflow(
        explicitInvocation = true,
        dependents = {
            @Dependent(name = "config", type = ConfigMapDependent.class),
            @Dependent(name = "agent-service-account", type = AgentServiceAccountDependent.class),
            @Dependent(name = "agent-role", type = AgentRoleDependent.class),
            @Dependent(
                    name = "agent-role-binding",
                    type = AgentRoleBindingDependent.class,
                    dependsOn = {"agent-role", "agent-service-account"}),
            @Dependent(
                    name = "daemonset",
                    type = DaemonSetDependent.class,
                    dependsOn = {"config", "agent-role-binding"}),
            @Dependent(name = "metrics-service", type = MetricsServiceDependent.class),
            @Dependent(
                    name = "service-monitor",
                    type = ServiceMonitorDependent.class,
                    activationCondition = ServiceMonitorCrdPresent.class,
                    dependsOn = "metrics-service"),
        })
@ControllerConfiguration(name = DpuStoragePoolReconciler.NAME)
public class DpuStoragePoolReconciler implements Reconciler<DpuStoragePool> {
    public static final String NAME = "dpustoragepool";
    private static final Logger LOG = Logger.getLogger(DpuStoragePoolReconciler.class);

    private final OperatorSettings settings;
    private final Clock clock;
    private final AtomicLong reconciles = new AtomicLong();
    private final VolumeStatuses volumeStatuses;
    /** Per pool, the configuration last rendered and its hash: spares parsing the ConfigMap back. */
    private final Map<ResourceID, PoolModel> lastRendered = new ConcurrentHashMap<>();

    private PoolWatches watches;
    private volatile IndexerResourceCache<DpuStoragePool> primaryCache;

    public DpuStoragePoolReconciler(OperatorSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public DpuStoragePoolReconciler(OperatorSettings settings, Clock clock) {
        this(settings, clock, new VolumeStatuses(clock));
    }

    public DpuStoragePoolReconciler(OperatorSettings settings, Clock clock, VolumeStatuses volumeStatuses) {
        this.settings = settings;
        this.clock = clock;
        this.volumeStatuses = volumeStatuses;
    }

    /** Reconciles run so far; tests use it to show that a steady state stays quiet. */
    public long reconcileCount() {
        return reconciles.get();
    }

    /** The pools in the informer cache now (empty before the controller starts); for fleet metrics. */
    public List<DpuStoragePool> cachedPools() {
        IndexerResourceCache<DpuStoragePool> cache = primaryCache;
        return cache == null ? List.of() : cache.list().toList();
    }

    @Override
    public List<EventSource<?, DpuStoragePool>> prepareEventSources(EventSourceContext<DpuStoragePool> context) {
        primaryCache = context.getPrimaryCache();
        watches = PoolWatches.create(context);
        return watches.all();
    }

    @Override
    public UpdateControl<DpuStoragePool> reconcile(DpuStoragePool pool, Context<DpuStoragePool> context) {
        reconciles.incrementAndGet();
        var events = new EventRecorder(context.getClient(), clock);
        String ns = pool.getMetadata().getNamespace();
        String name = pool.getMetadata().getName();
        DpuStoragePoolStatus previous = Optional.ofNullable(pool.getStatus()).orElseGet(DpuStoragePoolStatus::new);
        long generation = StatusTail.generation(pool);
        var conditions = StatusTail.conditions(pool, previous.getConditions(), clock);

        PoolTopology topology = PoolTopology.of(
                pool,
                context.getPrimaryCache().list().toList(),
                watches.nodes().list().toList());
        var status = new DpuStoragePoolStatus();
        int podsNotReady = 0;
        List<String> volumeConflicts = List.of();
        status.setObservedGeneration(generation);
        status.setConflicts(topology.conflicts());
        status.setConfigGeneration(previous.getConfigGeneration());
        status.setConfigHash(previous.getConfigHash());
        status.setVolumesServed(previous.getVolumesServed());
        status.setVolumesRejected(previous.getVolumesRejected());

        String profileName = pool.getSpec().getOffloadProfileRef().getName();
        Optional<OffloadProfile> profile = watches.profiles().get(new ResourceID(profileName, ns));
        Optional<String> blocked =
                profile.isEmpty() ? Optional.of("OffloadProfileNotFound") : profileNotReady(profile.get());
        if (blocked.isPresent()) {
            String message = profile.isEmpty()
                    ? "OffloadProfile \"" + profileName + "\" does not exist in namespace " + ns
                            + "; create it or change spec.offloadProfileRef. Nothing already running was changed."
                    : "OffloadProfile \"" + profileName + "\" is not ready: " + readyMessage(profile.get())
                            + " Nothing already running was changed.";
            conditions.stalled(blocked.get(), message);
        } else {
            List<TenantQoS> poolTenants = watches.tenants()
                    .list(
                            ns,
                            t -> t.getSpec() != null
                                    && t.getSpec().getPoolRef() != null
                                    && name.equals(t.getSpec().getPoolRef().getName()))
                    .toList();
            Optional<ConfigMap> currentConfig = context.getSecondaryResource(ConfigMap.class);
            Optional<DaemonSet> currentDaemonSet = context.getSecondaryResource(DaemonSet.class);
            long previousGeneration = currentConfig
                    .map(DpuStoragePoolReconciler::configGeneration)
                    .orElse(0L);
            String previousHash = currentConfig
                    .map(c -> c.getMetadata().getAnnotations())
                    .map(a -> a.get(Names.CONFIG_HASH))
                    .orElse(null);
            List<DpuVolume> volumeObjects = watches.volumes()
                    .list(
                            ns,
                            v -> v.getSpec() != null
                                    && v.getSpec().getPoolRef() != null
                                    && name.equals(v.getSpec().getPoolRef().getName()))
                    .toList();
            PoolVolumes volumes = PoolVolumes.resolve(
                    pool,
                    volumeObjects,
                    poolTenants.stream().map(t -> t.getMetadata().getName()).collect(Collectors.toSet()),
                    servedNow(ResourceID.fromResource(pool), currentConfig, previousHash));
            status.setVolumesServed(volumes.served().size());
            status.setVolumesRejected(volumes.rejected());
            volumeConflicts = volumes.inlineRejected();
            var inputs = new PoolInputs(
                    pool,
                    profile.get(),
                    poolTenants,
                    topology.excluded(),
                    settings.defaultAgentImage(),
                    previousGeneration,
                    previousHash,
                    volumes.served());
            // The model is built once here; every dependent's desired() generates from it.
            var model = PoolModel.fromCrd(inputs);
            if (!model.payload().fits()) {
                // Even compressed, the API server would refuse the ConfigMap: say so, and leave
                // what the agents run as it is.
                conditions.stalled("ConfigTooLarge", PoolEvents.tooLargeMessage(model, poolTenants.size()));
                return finish(pool, previous, status, conditions, topology, events, 0, volumeConflicts);
            }
            context.managedWorkflowAndDependentResourceContext().put(PoolModel.CONTEXT_KEY, model);
            context.managedWorkflowAndDependentResourceContext()
                    .reconcileManagedWorkflow()
                    .throwAggregateExceptionIfErrorsPresent();

            lastRendered.put(ResourceID.fromResource(pool), model);
            // pools deleted since (no finalizer tells us) leave their last model here: drop them
            lastRendered
                    .keySet()
                    .removeIf(id -> context.getPrimaryCache().get(id).isEmpty());
            // Only now is it true that the pool serves what it accepted: tell each volume.
            for (DpuVolume v : volumeObjects) {
                var verdict = volumes.verdicts().get(v.getMetadata().getName());
                volumeStatuses.write(
                        context.getClient(), v, verdict.served(), verdict.reason(), verdict.message(), name);
            }

            long configGeneration = model.configGeneration();
            status.setConfigGeneration(configGeneration);
            status.setConfigHash(model.hash());
            PoolEvents.configChanged(
                    pool,
                    events,
                    currentConfig.isPresent() && !model.hash().equals(previousHash),
                    currentDaemonSet,
                    model);

            var states = watches.nodeStates()
                    .list(
                            ns,
                            s -> s.getSpec() != null && name.equals(s.getSpec().getPool()))
                    .toList();
            var summary = NodeSummary.of(topology.served(), states, configGeneration, model.hash())
                    .withAgentPods(currentDaemonSet.map(DaemonSet::getStatus).orElse(null));
            status.setNodesDesired(summary.desired());
            status.setNodesReady(summary.ready());
            status.setNodesUpToDate(summary.upToDate());
            status.setNodesRemotesConnected(summary.remotesConnected());
            status.setEffectiveOffloadMode(summary.effectiveOffloadMode());
            podsNotReady = summary.podsNotReady();
            if (summary.podsNotReady() > 0 && summary.upToDate() == summary.desired()) {
                conditions.reconciling(
                        "AgentPodNotReady",
                        summary.ready() + " of " + summary.desired() + " nodes ready: "
                                + summary.podsNotReady()
                                + " agent pod(s) fail the kubelet's readiness probe although their node state"
                                + " says Ready (agent HTTP port unreachable on the node?); kubectl -n " + ns
                                + " get pods -l storage.dpu.dev/pool=" + name + " shows which.");
            } else if (!summary.remoteFailed().isEmpty()) {
                // Refused host NQN, unknown subsystem, a namespace too small: nothing heals this
                // until someone changes the remote target or the pool.
                conditions.stalled(
                        "RemoteBackendFailed",
                        summary.remoteFailed().size() + " remote backend connection(s) failed: "
                                + PoolEvents.firstLines(summary.remoteFailed()));
            } else if (!summary.remoteConnecting().isEmpty()) {
                conditions.reconciling(
                        "RemoteBackendConnecting",
                        summary.remoteConnecting().size()
                                + " remote backend connection(s) are not up yet; host I/O to their volumes waits"
                                + " (up to ctrlLossTimeoutSeconds): "
                                + PoolEvents.firstLines(summary.remoteConnecting()));
            } else if (summary.ready() == summary.desired() && summary.upToDate() == summary.desired()) {
                conditions.ready(
                        "Available",
                        summary.desired() == 0
                                ? "No node matches spec.nodeSelector (or every matching node is served by an older pool)."
                                : "All " + summary.desired() + " nodes are ready and run configuration generation "
                                        + configGeneration + ".");
            } else {
                conditions.reconciling(
                        "RollingOut",
                        summary.ready() + " of " + summary.desired() + " nodes ready, " + summary.upToDate() + " of "
                                + summary.desired() + " run configuration generation " + configGeneration + ".");
            }
        }
        return finish(pool, previous, status, conditions, topology, events, podsNotReady, volumeConflicts);
    }

    /**
     * What the pool serves now: the configuration of its ConfigMap (the model rendered last when
     * the hash matches, else parsed back); null when there is none or it cannot be read.
     */
    private DataplaneConfig servedNow(ResourceID pool, Optional<ConfigMap> currentConfig, String currentHash) {
        PoolModel last = lastRendered.get(pool);
        if (last != null && last.hash().equals(currentHash)) {
            return last.config();
        }
        if (currentConfig.isEmpty()) {
            return null;
        }
        try {
            String json = DataplaneContract.fromConfigMap(
                    currentConfig.get().getData(), currentConfig.get().getBinaryData());
            return json == null ? null : DataplaneContract.read(json);
        } catch (InvalidDataplaneConfigException e) {
            LOG.warnf(
                    "pool %s: the current ConfigMap cannot be read back (%s); volume conflicts are decided by age only",
                    pool, e.getMessage());
            return null;
        }
    }

    private UpdateControl<DpuStoragePool> finish(
            DpuStoragePool pool,
            DpuStoragePoolStatus previous,
            DpuStoragePoolStatus status,
            Conditions conditions,
            PoolTopology topology,
            EventRecorder events,
            int podsNotReady,
            List<String> volumeConflicts) {
        if (topology.conflicts().isEmpty()) {
            conditions.set("NodeConflict", false, "NoConflict", "No node of this pool is selected by another pool.");
        } else {
            conditions.set(
                    "NodeConflict", true, "NodeSelectedByAnotherPool", PoolEvents.conflictMessage(pool, topology));
        }
        if (volumeConflicts.isEmpty()) {
            conditions.set(
                    "VolumeConflict",
                    false,
                    "NoConflict",
                    "Every volume of spec.volumes is served; rejected DpuVolumes say why in their status.");
        } else {
            conditions.set(
                    "VolumeConflict",
                    true,
                    "InlineVolumeRejected",
                    volumeConflicts.size() + " volume(s) of spec.volumes conflict with DpuVolumes the pool already"
                            + " serves and are not served: " + PoolEvents.firstLines(volumeConflicts));
        }
        status.setConditions(conditions.build());

        PoolEvents.conditionsChanged(pool, previous, status, events);
        UpdateControl<DpuStoragePool> control = StatusTail.patchIfChanged(pool, previous, status, DpuStoragePool::new);
        // A pod's readiness changes the DaemonSet's status only, which need not trigger a
        // reconcile: while an agent pod is not ready, look again shortly.
        return podsNotReady > 0 ? control.rescheduleAfter(AGENT_POD_RECHECK) : control;
    }

    static final Duration AGENT_POD_RECHECK = Duration.ofSeconds(5);

    /**
     * An unexpected failure (for example the API server refused an object): report it in status
     * while the SDK retries with backoff, so it does not stay hidden in the operator's log.
     */
    @Override
    public ErrorStatusUpdateControl<DpuStoragePool> updateErrorStatus(
            DpuStoragePool pool, Context<DpuStoragePool> context, Exception e) {
        LOG.errorf(
                e,
                "reconciling pool %s/%s failed",
                pool.getMetadata().getNamespace(),
                pool.getMetadata().getName());
        DpuStoragePoolStatus previous = Optional.ofNullable(pool.getStatus()).orElseGet(DpuStoragePoolStatus::new);
        var status = Serialization.clone(previous);
        status.setObservedGeneration(StatusTail.generation(pool));
        status.setConditions(StatusTail.conditions(pool, previous.getConditions(), clock)
                .reconciling("ReconcileFailed", "Retrying after an error: " + rootMessage(e))
                .build());
        return ErrorStatusUpdateControl.patchStatus(StatusTail.statusOnly(pool, status, DpuStoragePool::new));
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        return message.length() > 900 ? message.substring(0, 900) + "..." : message;
    }

    private static Optional<String> profileNotReady(OffloadProfile profile) {
        var st = profile.getStatus();
        if (st == null
                || !Objects.equals(
                        st.getObservedGeneration(), profile.getMetadata().getGeneration())) {
            return Optional.of("OffloadProfileNotValidated");
        }
        if (!Conditions.isTrue(st.getConditions(), Conditions.READY)) {
            return Optional.of(Conditions.find(st.getConditions(), Conditions.READY)
                    .map(c -> c.getReason())
                    .orElse("OffloadProfileNotReady"));
        }
        return Optional.empty();
    }

    private static String readyMessage(OffloadProfile profile) {
        return Optional.ofNullable(profile.getStatus())
                .flatMap(s -> Conditions.find(s.getConditions(), Conditions.READY))
                .map(c -> c.getMessage())
                .orElse("the operator has not validated it yet.");
    }

    private static long configGeneration(ConfigMap cm) {
        Map<String, String> annotations = cm.getMetadata().getAnnotations();
        try {
            return annotations == null ? 0L : Long.parseLong(annotations.getOrDefault(Names.CONFIG_GENERATION, "0"));
        } catch (NumberFormatException e) {
            return 0L; // someone edited it: start over above nothing
        }
    }
}

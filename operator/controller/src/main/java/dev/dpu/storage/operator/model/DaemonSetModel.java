package dev.dpu.storage.operator.model;

import dev.dpu.storage.api.v1alpha1.Backend;
import dev.dpu.storage.api.v1alpha1.BackendType;
import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import dev.dpu.storage.api.v1alpha1.DpuStoragePoolSpec;
import dev.dpu.storage.api.v1alpha1.Encryption;
import dev.dpu.storage.api.v1alpha1.Listener;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The DaemonSet that runs the agent (and its data path) on every node of a pool. */
public final class DaemonSetModel {
    public static final String CONTAINER = "agent";

    private DaemonSetModel() {}

    public static DaemonSet desired(PoolModel model) {
        PoolInputs inputs = model.inputs();
        DpuStoragePool pool = inputs.pool();
        DpuStoragePoolSpec spec = pool.getSpec();
        IntOrString maxUnavailable =
                spec.getRollout() == null || spec.getRollout().getMaxUnavailable() == null
                        ? new IntOrString(1)
                        : spec.getRollout().getMaxUnavailable();
        // spotless:off
        return new DaemonSetBuilder()
                .withNewMetadata()
                    .withName(Names.daemonSet(pool))
                    .withNamespace(pool.getMetadata().getNamespace())
                    .withLabels(Names.labels(pool, "data-path"))
                .endMetadata()
                .withNewSpec()
                    .withNewSelector().withMatchLabels(Names.selectorLabels(pool)).endSelector()
                    .withNewUpdateStrategy()
                        .withType("RollingUpdate")
                        // No surge: two agents of one pool cannot share the node's NVMe/TCP port.
                        .withNewRollingUpdate().withMaxUnavailable(maxUnavailable).withMaxSurge(new IntOrString(0)).endRollingUpdate()
                    .endUpdateStrategy()
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(Names.labels(pool, "data-path"))
                            .withAnnotations(Map.of(Names.RESTART_CHECKSUM, model.restartChecksum()))
                        .endMetadata()
                        .withNewSpec()
                            .withServiceAccountName(Names.serviceAccount(pool))
                            // NVMe/TCP hosts connect to the node's own address.
                            .withHostNetwork(true)
                            .withDnsPolicy("ClusterFirstWithHostNet")
                            .withNodeSelector(spec.getNodeSelector().isEmpty() ? null : spec.getNodeSelector())
                            .withTolerations(spec.getTolerations().isEmpty() ? null : spec.getTolerations())
                            .withAffinity(excludeNodes(inputs.excludedNodes()))
                            .withTerminationGracePeriodSeconds(30L)
                            .withSecurityContext(podSecurityContext())
                            .withContainers(container(inputs))
                            .withVolumes(volumes(inputs))
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
        // spotless:on
    }

    private static Container container(PoolInputs inputs) {
        DpuStoragePool pool = inputs.pool();
        DpuStoragePoolSpec spec = pool.getSpec();
        int httpPort = MetricsServiceModel.httpPort(pool);
        int nvmePort = spec.getListener() == null || spec.getListener().getPort() == null
                ? Listener.NVME_TCP_PORT
                : spec.getListener().getPort();
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(spec.getImage() == null ? inputs.defaultImage() : spec.getImage())
                .withImagePullPolicy("IfNotPresent")
                .withEnv(env(pool, httpPort))
                .addNewPort()
                .withName("nvme-tcp")
                .withContainerPort(nvmePort)
                .withHostPort(nvmePort)
                .withProtocol("TCP")
                .endPort()
                .addNewPort()
                .withName("http")
                .withContainerPort(httpPort)
                .withHostPort(httpPort)
                .withProtocol("TCP")
                .endPort()
                // The JVM may take a minute to start on a busy node: the startup probe gives it up
                // to five minutes before liveness counts; liveness tolerates a minute of stalls
                // (GC, CPU starvation) before the data path, and its connections, are restarted.
                .withStartupProbe(probe("/q/health/live", httpPort, 5, 3, 60))
                .withReadinessProbe(probe("/q/health/ready", httpPort, 5, 3, 3))
                .withLivenessProbe(probe("/q/health/live", httpPort, 10, 5, 6))
                .withResources(resources(inputs))
                .withSecurityContext(securityContext())
                .withVolumeMounts(volumeMounts(inputs))
                .build();
    }

    private static List<EnvVar> env(DpuStoragePool pool, int httpPort) {
        return List.of(
                new EnvVarBuilder()
                        .withName("NODE_NAME")
                        .withNewValueFrom()
                        .withNewFieldRef()
                        // The API server fills apiVersion in; leaving it out made every reconcile
                        // see a difference and apply the DaemonSet again.
                        .withApiVersion("v1")
                        .withFieldPath("spec.nodeName")
                        .endFieldRef()
                        .endValueFrom()
                        .build(),
                new EnvVarBuilder()
                        .withName("POD_NAMESPACE")
                        .withNewValueFrom()
                        .withNewFieldRef()
                        .withApiVersion("v1")
                        .withFieldPath("metadata.namespace")
                        .endFieldRef()
                        .endValueFrom()
                        .build(),
                new EnvVarBuilder()
                        .withName("DPU_POOL")
                        .withValue(pool.getMetadata().getName())
                        .build(),
                new EnvVarBuilder()
                        .withName("DPU_CONFIGMAP")
                        .withValue(Names.configMap(pool))
                        .build(),
                new EnvVarBuilder()
                        .withName("QUARKUS_HTTP_PORT")
                        .withValue(Integer.toString(httpPort))
                        .build(),
                new EnvVarBuilder()
                        .withName("JAVA_TOOL_OPTIONS")
                        .withValue(JVM_OPTIONS)
                        .build());
    }

    /**
     * The agent's Java side (configuration, Kubernetes, metrics) gets a fixed heap rather than a
     * share of the container's memory limit: most of that limit is the data path's native memory
     * (RAM volumes, I/O buffers), which the JVM's percentage-based sizing cannot see.
     */
    static final String JVM_OPTIONS = "-Xmx256m -XX:MaxMetaspaceSize=128m -XX:+ExitOnOutOfMemoryError";

    private static Probe probe(String path, int port, int periodSeconds, int timeoutSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withPath(path)
                .withPort(new IntOrString(port))
                .withScheme("HTTP")
                .endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(timeoutSeconds)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    /**
     * The data path polls its queues, so it asks for the profile's cores as CPU by default.
     * Memory: the agent needs about 700Mi at most (256Mi heap, metaspace, threads, the data
     * path's buffers); the limit leaves 1Gi more for RAM volumes, which live in the agent's own
     * memory. It does not follow the volumes: adding one is applied live, without the restart a
     * changed pod template would cause. Pools with more RAM volumes set spec.resources, which
     * replaces this entirely.
     */
    private static ResourceRequirements resources(PoolInputs inputs) {
        if (inputs.pool().getSpec().getResources() != null) {
            return inputs.pool().getSpec().getResources();
        }
        int cores = Objects.requireNonNullElse(inputs.profile().getSpec().getCores(), 1);
        return new ResourceRequirementsBuilder()
                .withRequests(new TreeMap<>(
                        Map.of("cpu", new Quantity(Integer.toString(cores)), "memory", new Quantity("512Mi"))))
                .withLimits(Map.of("memory", new Quantity("2Gi")))
                .build();
    }

    /**
     * The image's user (uid/gid 10001), stated so that any image runs as it and so that the key
     * Secret's files are readable: fsGroup makes them group-owned by 10001 (mode 0440).
     */
    private static PodSecurityContext podSecurityContext() {
        return new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(AGENT_UID)
                .withRunAsGroup(AGENT_UID)
                .withFsGroup(AGENT_UID)
                .build();
    }

    static final long AGENT_UID = 10001L;

    /**
     * No capabilities at all: a non-root process gets none of the container's capabilities
     * (Kubernetes sets no ambient capabilities), so adding IPC_LOCK would not lift
     * RLIMIT_MEMLOCK anyway; where that limit is too low for io_uring registered buffers the
     * data path uses normal buffers (docs/agent.md). The root file system is read-only; /tmp
     * is an emptyDir. Seccomp is Unconfined on purpose: the RuntimeDefault profiles of current
     * runtimes (recent containerd and Docker releases) refuse io_uring_setup, which would silently
     * turn the data path's io_uring backends into blocking system calls; a Localhost profile
     * would have to be installed on every node first. The pod needs the privileged Pod
     * Security level for its host network anyway.
     */
    private static SecurityContext securityContext() {
        return new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .withNewSeccompProfile()
                .withType("Unconfined")
                .endSeccompProfile()
                .build();
    }

    private static List<Volume> volumes(PoolInputs inputs) {
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder()
                .withName("tmp")
                .withNewEmptyDir()
                .endEmptyDir()
                .build());
        Encryption enc = inputs.profile().getSpec().getEncryption();
        if (enc != null) {
            volumes.add(new VolumeBuilder()
                    .withName("xts-key")
                    .withNewSecret()
                    .withSecretName(enc.getKeySecretRef().getName())
                    .addNewItem()
                    .withKey(enc.getKeySecretRef().keyOrDefault())
                    .withPath("key")
                    .endItem()
                    // read by uid 10001 through the pod's fsGroup
                    .withDefaultMode(0440)
                    .endSecret()
                    .build());
        }
        for (Backend b : fileBackends(inputs.pool())) {
            volumes.add(new VolumeBuilder()
                    .withName("backend-" + b.getName())
                    .withNewHostPath()
                    .withPath(b.getPath())
                    .endHostPath()
                    .build());
        }
        return volumes;
    }

    private static List<VolumeMount> volumeMounts(PoolInputs inputs) {
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(
                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
        Encryption enc = inputs.profile().getSpec().getEncryption();
        if (enc != null) {
            mounts.add(new VolumeMountBuilder()
                    .withName("xts-key")
                    .withMountPath(Names.KEYS_DIR + "/" + enc.getKeySecretRef().getName())
                    .withReadOnly(true)
                    .build());
        }
        for (Backend b : fileBackends(inputs.pool())) {
            // Same path inside the container, so dataplane.json's paths work as written.
            mounts.add(new VolumeMountBuilder()
                    .withName("backend-" + b.getName())
                    .withMountPath(b.getPath())
                    .build());
        }
        return mounts;
    }

    private static List<Backend> fileBackends(DpuStoragePool pool) {
        return pool.getSpec().getBackends().stream()
                .filter(b -> b.getType() == BackendType.File)
                .sorted(Comparator.comparing(Backend::getName))
                .toList();
    }

    /** Keeps the pool's pods off nodes that an older pool serves (see NodeConflict in status). */
    private static Affinity excludeNodes(List<String> nodes) {
        if (nodes.isEmpty()) {
            return null;
        }
        // spotless:off
        return new AffinityBuilder()
                .withNewNodeAffinity()
                    .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                        // One requirement per node: the API server allows a single value for a field selector.
                        .addNewNodeSelectorTerm()
                            .withMatchFields(nodes.stream().sorted()
                                    .map(n -> new NodeSelectorRequirementBuilder().withKey("metadata.name").withOperator("NotIn").withValues(n).build())
                                    .toList())
                        .endNodeSelectorTerm()
                    .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .build();
        // spotless:on
    }
}

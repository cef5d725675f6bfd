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
        IntOrString maxUnavailable = spec.getRollout() == null || spec.getRollout().getMaxUnavailable() == null
                ? new IntOrString(1)
                : spec.getRollout().getMaxUnavailable();
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
                            .withContainers(container(inputs))
                            .withVolumes(volumes(inputs))
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
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
                .addNewPort().withName("nvme-tcp").withContainerPort(nvmePort).withHostPort(nvmePort).withProtocol("TCP").endPort()
                .addNewPort().withName("http").withContainerPort(httpPort).withHostPort(httpPort).withProtocol("TCP").endPort()
                .withReadinessProbe(probe("/q/health/ready", httpPort, 5))
                .withLivenessProbe(probe("/q/health/live", httpPort, 10))
                .withResources(resources(inputs))
                .withSecurityContext(securityContext())
                .withVolumeMounts(volumeMounts(inputs))
                .build();
    }

    private static List<EnvVar> env(DpuStoragePool pool, int httpPort) {
        return List.of(
                new EnvVarBuilder().withName("NODE_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom().build(),
                new EnvVarBuilder().withName("POD_NAMESPACE").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef().endValueFrom().build(),
                new EnvVarBuilder().withName("DPU_POOL").withValue(pool.getMetadata().getName()).build(),
                new EnvVarBuilder().withName("DPU_CONFIGMAP").withValue(Names.configMap(pool)).build(),
                new EnvVarBuilder().withName("QUARKUS_HTTP_PORT").withValue(Integer.toString(httpPort)).build());
    }

    private static Probe probe(String path, int port, int periodSeconds) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath(path).withPort(new IntOrString(port)).withScheme("HTTP").endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(2)
                .withFailureThreshold(3)
                .build();
    }

    /**
     * The data path polls its queues, so it asks for the profile's cores as CPU by default;
     * a pool's own resources replace this entirely.
     */
    private static ResourceRequirements resources(PoolInputs inputs) {
        if (inputs.pool().getSpec().getResources() != null) {
            return inputs.pool().getSpec().getResources();
        }
        int cores = Objects.requireNonNullElse(inputs.profile().getSpec().getCores(), 1);
        return new ResourceRequirementsBuilder()
                .withRequests(new TreeMap<>(Map.of("cpu", new Quantity(Integer.toString(cores)), "memory", new Quantity("512Mi"))))
                .withLimits(Map.of("memory", new Quantity("1Gi")))
                .build();
    }

    /**
     * Nothing but IPC_LOCK: io_uring registered buffers and the data path's I/O buffers are
     * locked in memory, beyond the default RLIMIT_MEMLOCK of a container. The root file
     * system is read-only; /tmp is an emptyDir. Seccomp stays Unconfined because the
     * default profiles of current container runtimes block the io_uring system calls.
     */
    private static SecurityContext securityContext() {
        return new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").withAdd("IPC_LOCK").endCapabilities()
                .withNewSeccompProfile().withType("Unconfined").endSeccompProfile()
                .build();
    }

    private static List<Volume> volumes(PoolInputs inputs) {
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
        Encryption enc = inputs.profile().getSpec().getEncryption();
        if (enc != null) {
            volumes.add(new VolumeBuilder()
                    .withName("xts-key")
                    .withNewSecret()
                        .withSecretName(enc.getKeySecretRef().getName())
                        .addNewItem().withKey(enc.getKeySecretRef().keyOrDefault()).withPath("key").endItem()
                        .withDefaultMode(0400)
                    .endSecret()
                    .build());
        }
        for (Backend b : fileBackends(inputs.pool())) {
            volumes.add(new VolumeBuilder()
                    .withName("backend-" + b.getName())
                    .withNewHostPath().withPath(b.getPath()).endHostPath()
                    .build());
        }
        return volumes;
    }

    private static List<VolumeMount> volumeMounts(PoolInputs inputs) {
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
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
            mounts.add(new VolumeMountBuilder().withName("backend-" + b.getName()).withMountPath(b.getPath()).build());
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
    }

}

package dev.dpu.storage.agent.kubernetes;

import dev.dpu.storage.agent.AgentConfig;
import dev.dpu.storage.agent.dataplane.AgentStatus;
import dev.dpu.storage.agent.dataplane.DataplaneService;
import dev.dpu.storage.api.v1alpha1.DpuNodeState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Keeps this node's DpuNodeState in line with what the agent runs, with server-side apply under
 * the field manager {@value #FIELD_MANAGER}: spec (node, pool) on the resource, everything else on
 * the status subresource. Writes happen on one thread, coalesced: any number of status changes
 * while a write is in flight lead to one more write. An informer on the object itself recreates it
 * when someone deletes it; a periodic resync repairs anything else.
 */
@ApplicationScoped
public class NodeStateWriter {

    private static final Logger LOG = Logger.getLogger(NodeStateWriter.class);
    public static final String FIELD_MANAGER = "dpu-agent";

    private final AgentConfig config;
    private final DataplaneService dataplane;
    private final AtomicBoolean pending = new AtomicBoolean();
    private ScheduledExecutorService writer;
    private SharedIndexInformer<DpuNodeState> informer;
    private KubernetesClient client;

    public NodeStateWriter(AgentConfig config, DataplaneService dataplane) {
        this.config = config;
        this.dataplane = dataplane;
    }

    void start(KubernetesClient kubernetes) {
        this.client = kubernetes;
        writer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("node-state-writer").daemon().factory());
        dataplane.onStatus(status -> requestWrite());
        informer = client.resources(DpuNodeState.class)
                .inNamespace(namespace())
                .withName(node())
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(DpuNodeState state) {}

                    @Override
                    public void onUpdate(DpuNodeState old, DpuNodeState state) {}

                    @Override
                    public void onDelete(DpuNodeState state, boolean finalStateUnknown) {
                        LOG.infof("DpuNodeState %s/%s was deleted; writing it again", namespace(), node());
                        requestWrite();
                    }
                });
        long resync = Math.max(1000, config.nodeStateResync().toMillis());
        writer.scheduleWithFixedDelay(this::requestWrite, resync, resync, TimeUnit.MILLISECONDS);
    }

    /** Writes the last status once more (so Ready=False, ShuttingDown reaches the API server). */
    void stop() {
        if (writer == null) {
            return;
        }
        informer.close();
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        write();
    }

    private void requestWrite() {
        if (writer != null && !writer.isShutdown() && pending.compareAndSet(false, true)) {
            try {
                writer.execute(() -> {
                    pending.set(false);
                    write();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.set(false);
            }
        }
    }

    private void write() {
        AgentStatus status = dataplane.status();
        try {
            DpuNodeState desired = NodeStates.desired(
                    node(), namespace(), pool(), dataplane.capabilities(), dataplane.reactors(), status, null);
            DpuNodeState applied = client.resource(desired)
                    .fieldManager(FIELD_MANAGER)
                    .forceConflicts()
                    .serverSideApply();
            DpuNodeState withStatus = NodeStates.desired(
                    node(),
                    namespace(),
                    pool(),
                    dataplane.capabilities(),
                    dataplane.reactors(),
                    status,
                    applied.getMetadata().getGeneration());
            client.resource(withStatus)
                    .subresource("status")
                    .patch(
                            new PatchContext.Builder()
                                    .withPatchType(PatchType.SERVER_SIDE_APPLY)
                                    .withFieldManager(FIELD_MANAGER)
                                    .withForce(true)
                                    .build(),
                            withStatus);
        } catch (RuntimeException e) {
            LOG.warnf("could not write DpuNodeState %s/%s (retrying in 5 s): %s", namespace(), node(), e.getMessage());
            if (writer != null && !writer.isShutdown()) {
                writer.schedule(this::requestWrite, 5, TimeUnit.SECONDS);
            }
        }
    }

    private String node() {
        return config.nodeName().orElseThrow();
    }

    private String namespace() {
        return config.namespace().orElseThrow();
    }

    private String pool() {
        return config.pool().orElseThrow();
    }
}

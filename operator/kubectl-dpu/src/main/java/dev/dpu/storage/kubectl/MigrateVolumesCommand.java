package dev.dpu.storage.kubectl;

import dev.dpu.storage.api.v1alpha1.DpuStoragePool;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;

/** {@code kubectl dpu migrate-volumes POOL}: prints DpuVolume manifests for the pool's inline volumes. */
final class MigrateVolumesCommand {
    private final KubernetesClient client;

    MigrateVolumesCommand(KubernetesClient client) {
        this.client = client;
    }

    int run(String namespace, String poolName, PrintStream out, PrintStream err) {
        DpuStoragePool pool = client.resources(DpuStoragePool.class)
                .inNamespace(namespace)
                .withName(poolName)
                .get();
        if (pool == null) {
            err.println("kubectl dpu: no DpuStoragePool " + poolName + " in namespace " + namespace
                    + " (kubectl get dpupool -n " + namespace + " lists them)");
            return 1;
        }
        if (pool.getSpec().getVolumes().isEmpty()) {
            err.println("kubectl dpu: DpuStoragePool " + namespace + "/" + poolName
                    + " has no inline volumes (spec.volumes is empty): nothing to migrate");
            return 0;
        }
        out.print(VolumeManifests.of(pool));
        return 0;
    }
}

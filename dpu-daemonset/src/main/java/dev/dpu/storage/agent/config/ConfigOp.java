package dev.dpu.storage.agent.config;

import dev.dpu.storage.api.dataplane.NamespaceSpec;
import dev.dpu.storage.api.dataplane.RemoteSpec;
import dev.dpu.storage.api.dataplane.SubsystemSpec;
import dev.dpu.storage.api.dataplane.TenantSpec;

/**
 * One live change to the running data path. {@link ConfigDiff} orders them so that every step is
 * valid on its own: access is narrowed and objects are removed before anything is added, tenants
 * exist before the subsystems that use them and are removed only after them, remotes exist before
 * the namespaces that live on them and are removed only after them.
 */
public sealed interface ConfigOp {

    /** Short human description, used in logs and in the ConfigApplied condition on failure. */
    String describe();

    /** tenant: the subsystem's tenant (null if none), whose QoS the namespace stops charging. */
    record RemoveNamespace(String subsystemNqn, String tenant, int nsid) implements ConfigOp {
        public String describe() {
            return "remove namespace " + nsid + " from " + subsystemNqn;
        }
    }

    record RemoveHost(String subsystemNqn, String hostNqn) implements ConfigOp {
        public String describe() {
            return "disallow host " + hostNqn + " on " + subsystemNqn;
        }
    }

    record SetAllowAnyHost(String subsystemNqn, boolean allowAnyHost) implements ConfigOp {
        public String describe() {
            return (allowAnyHost ? "allow any host on " : "allow only listed hosts on ") + subsystemNqn;
        }
    }

    record RemoveSubsystem(String nqn) implements ConfigOp {
        public String describe() {
            return "remove subsystem " + nqn;
        }
    }

    /** Creates the tenant or replaces its limits (the data path keeps queued I/O in either case). */
    record SetTenant(TenantSpec tenant) implements ConfigOp {
        public String describe() {
            return "set tenant " + tenant.name() + " limits " + tenant.limits();
        }
    }

    record AddSubsystem(SubsystemSpec subsystem) implements ConfigOp {
        public String describe() {
            return "add subsystem " + subsystem.nqn()
                    + (subsystem.tenant() == null ? "" : " for tenant " + subsystem.tenant());
        }
    }

    record AddHost(String subsystemNqn, String hostNqn) implements ConfigOp {
        public String describe() {
            return "allow host " + hostNqn + " on " + subsystemNqn;
        }
    }

    /** tenant: the subsystem's tenant (null if none), whose QoS I/O to the namespace is charged to. */
    record AddNamespace(String subsystemNqn, String tenant, NamespaceSpec namespace) implements ConfigOp {
        public String describe() {
            return "add " + namespace.describe() + " (" + namespace.backend() + ") to " + subsystemNqn;
        }
    }

    /**
     * Which NVMe/TCP digests a host must enable in its ICReq to be accepted. Applies to new
     * connections; connections already up keep what they negotiated.
     */
    record RequireDigests(boolean header, boolean data) implements ConfigOp {
        public String describe() {
            return "require " + (header ? "header" : "no header") + " and " + (data ? "data" : "no data")
                    + " digests of new connections";
        }
    }

    /**
     * A remote NVMe/TCP target for nvme-tcp namespaces, connected to as hostNqn. The data path
     * connects in the background; the node state reports how that goes.
     */
    record AddRemote(RemoteSpec remote, String hostNqn) implements ConfigOp {
        public String describe() {
            return "add " + remote.describe() + " as host " + hostNqn;
        }
    }

    record RemoveRemote(String name) implements ConfigOp {
        public String describe() {
            return "remove remote " + name;
        }
    }

    record RemoveTenant(String name) implements ConfigOp {
        public String describe() {
            return "remove tenant " + name;
        }
    }
}

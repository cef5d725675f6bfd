package dev.dpu.storage.api.dataplane;

import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The value rules of dataplane.json, beyond its shape: ranges, formats, uniqueness. Collects every
 * problem rather than stopping at the first, so one round trip fixes them all. The C loader
 * (dataplane/standalone/config.c) applies the same rules; the shared fixtures prove it.
 */
public final class DataplaneConfigValidator {

    /** NVMe base spec 4.5: "nqn.yyyy-mm.reverse-domain[:anything]", at most 223 bytes. */
    private static final Pattern NQN =
            Pattern.compile("^nqn\\.[0-9]{4}-(0[1-9]|1[0-2])\\.[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:.+)?$");

    private static final int NQN_MAX_BYTES = 223;
    static final String DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";
    private static final List<String> MODES = List.of(
            DataplaneConfig.Offload.NON_OFFLOAD,
            DataplaneConfig.Offload.ZERO_COPY,
            DataplaneConfig.Offload.FULL_OFFLOAD);
    private static final List<String> FALLBACKS =
            List.of(DataplaneConfig.Offload.DEGRADE, DataplaneConfig.Offload.FAIL);
    /** A remote's name: a DNS label, as the pool's backend names. */
    private static final Pattern REMOTE_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

    private static final Pattern IPV4 = Pattern.compile(
            "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$");
    /** CPU numbers a reactor may be pinned to (glibc's CPU_SETSIZE). */
    static final int MAX_CPU = 1023;

    private final List<String> problems = new ArrayList<>();

    private DataplaneConfigValidator() {}

    static List<String> problems(DataplaneConfig config) {
        DataplaneConfigValidator v = new DataplaneConfigValidator();
        v.check(config);
        return List.copyOf(v.problems);
    }

    /** Whether s is a valid NQN (NVMe base spec: "nqn.yyyy-mm.reverse.domain[:name]", 223 bytes). */
    public static boolean isValidNqn(String nqn) {
        return nqn != null
                && nqn.getBytes(StandardCharsets.UTF_8).length <= NQN_MAX_BYTES
                && NQN.matcher(nqn).matches();
    }

    private void check(DataplaneConfig config) {
        if (config.listen() == null) {
            problem("listen: missing (required)");
        } else {
            if (config.listen().address() == null || config.listen().address().isBlank()) {
                problem("listen.address: missing (required)");
            }
            if (config.listen().port() < 0 || config.listen().port() > 65535) {
                problem("listen.port: " + config.listen().port() + " is out of range 0..65535");
            }
        }
        int reactors = config.reactors();
        if (reactors < 1 || reactors > DataplaneConfig.MAX_REACTORS) {
            problem("reactors: " + reactors + " is out of range 1..64");
        }
        List<Integer> cpus = config.reactorCpus();
        if (!cpus.isEmpty() && cpus.size() != reactors) {
            problem("reactorCpus: lists " + cpus.size() + " CPUs for " + reactors
                    + " reactors (one per reactor, or none for no pinning)");
        }
        Set<Integer> seenCpus = new HashSet<>();
        for (int i = 0; i < cpus.size(); i++) {
            Integer cpu = cpus.get(i);
            if (cpu == null || cpu < 0 || cpu > MAX_CPU) {
                problem("reactorCpus[" + i + "]: " + cpu + " is out of range 0..1023");
            } else if (!seenCpus.add(cpu)) {
                problem("reactorCpus[" + i + "]: CPU " + cpu + " is listed twice");
            }
        }
        if (!DataplaneConfig.POLLING_MODES.contains(config.reactorPolling())) {
            problem("reactorPolling: \"" + config.reactorPolling() + "\" is not one of "
                    + String.join(", ", DataplaneConfig.POLLING_MODES));
        }
        checkOffload(config.offload());
        if (config.hostNqn() != null && !isValidNqn(config.hostNqn())) {
            problem("hostNqn: \"" + config.hostNqn() + "\" is not a valid host NQN");
        }
        Set<String> remotes = new HashSet<>();
        for (int i = 0; i < config.remotes().size(); i++) {
            checkRemote("remotes[" + i + "]", config.remotes().get(i), remotes);
        }
        Set<String> tenants = new HashSet<>();
        for (int i = 0; i < config.tenants().size(); i++) {
            checkTenant("tenants[" + i + "]", config.tenants().get(i), tenants);
        }
        Set<String> nqns = new HashSet<>();
        for (int i = 0; i < config.subsystems().size(); i++) {
            checkSubsystem("subsystems[" + i + "]", config.subsystems().get(i), nqns, remotes);
        }
    }

    private void checkOffload(DataplaneConfig.Offload offload) {
        if (!MODES.contains(offload.mode())) {
            problem("offload.mode: \"" + offload.mode() + "\" is not one of NonOffload, ZeroCopy, FullOffload");
        }
        if (!FALLBACKS.contains(offload.fallback())) {
            problem("offload.fallback: \"" + offload.fallback() + "\" is not one of Degrade, Fail");
        }
        range("offload.queues", offload.queues(), 1, 64);
        range("offload.queueDepth", offload.queueDepth(), 16, 1024);
        if (range("offload.inCapsuleDataBytes", offload.inCapsuleDataBytes(), 0, 65536)
                && offload.inCapsuleDataBytes() % 16 != 0) {
            problem("offload.inCapsuleDataBytes: " + offload.inCapsuleDataBytes() + " is not a multiple of 16");
        }
        int mdts = offload.maxTransferBytes();
        if (range("offload.maxTransferBytes", mdts, 4096, 1048576) && Integer.bitCount(mdts) != 1) {
            problem("offload.maxTransferBytes: " + mdts + " is not a power of two");
        }
        DataplaneConfig.Encryption enc = offload.encryption();
        if (enc == null) {
            return;
        }
        if (!DataplaneConfig.Encryption.AES_256_XTS.equals(enc.algorithm())) {
            problem("offload.encryption.algorithm: \"" + enc.algorithm() + "\" is not supported (AES-256-XTS is)");
        }
        if (enc.keyFile() == null || enc.keyFile().isBlank()) {
            problem("offload.encryption.keyFile: missing (required)");
        } else if (!enc.keyFile().startsWith("/")) {
            problem("offload.encryption.keyFile: \"" + enc.keyFile() + "\" must be an absolute path");
        }
        if (DataplaneConfig.Offload.FULL_OFFLOAD.equals(offload.mode())) {
            problem(
                    "offload.encryption: the software data path encrypts, so it cannot be combined with mode FullOffload");
        }
    }

    private void checkTenant(String path, TenantSpec tenant, Set<String> seen) {
        if (tenant.name() == null || tenant.name().isBlank()) {
            problem(path + ".name: missing (required)");
            return;
        }
        if (!seen.add(tenant.name())) {
            problem(path + ".name: tenant \"" + tenant.name() + "\" is listed twice");
        }
        TenantLimits l = tenant.limits();
        long[] values = {
            l.readIops(),
            l.writeIops(),
            l.totalIops(),
            l.readBytesPerSecond(),
            l.writeBytesPerSecond(),
            l.totalBytesPerSecond(),
            l.burstIops(),
            l.burstBytes()
        };
        for (long value : values) {
            if (value < 0) {
                problem(path + ".limits: negative limit " + value + " (0 means unlimited)");
                break;
            }
        }
    }

    /** Whether s is an IPv4 address in dotted-quad form or an IPv6 address (no host names). */
    static boolean isIpAddress(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        if (!s.contains(":")) {
            return IPV4.matcher(s).matches();
        }
        try {
            Inet6Address.ofLiteral(s);
            return !s.startsWith("[") && !s.contains("%");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void checkRemote(String path, RemoteSpec remote, Set<String> names) {
        String name = remote.name();
        if (name == null || name.isEmpty()) {
            problem(path + ".name: missing (required)");
        } else if (name.length() > 63 || !REMOTE_NAME.matcher(name).matches()) {
            problem(path + ".name: \"" + name + "\" is not a DNS label (a-z, 0-9 and '-', at most 63 characters)");
        } else if (!names.add(name)) {
            problem(path + ".name: remote \"" + name + "\" is listed twice");
        }
        if (remote.address() == null || remote.address().isEmpty()) {
            problem(path + ".address: missing (required)");
        } else if (!isIpAddress(remote.address())) {
            problem(path + ".address: \"" + remote.address() + "\" is not an IPv4 or IPv6 address");
        }
        range(path + ".port", remote.port(), 1, 65535);
        if (!isValidNqn(remote.subsystemNqn())) {
            problem(path + ".subsystemNqn: \"" + remote.subsystemNqn() + "\" is not a valid NQN");
        } else if (remote.subsystemNqn().equals(DISCOVERY_NQN)) {
            problem(path + ".subsystemNqn: the discovery subsystem holds no namespaces");
        }
        range(
                path + ".ctrlLossTimeoutSeconds",
                remote.ctrlLossTimeoutSeconds(),
                1,
                RemoteSpec.MAX_CTRL_LOSS_TIMEOUT_SECONDS);
    }

    private void checkSubsystem(String path, SubsystemSpec sub, Set<String> nqns, Set<String> remotes) {
        if (!isValidNqn(sub.nqn())) {
            problem(path + ".nqn: \"" + sub.nqn() + "\" is not a valid NQN (expected "
                    + "nqn.yyyy-mm.reverse.domain[:name], at most 223 bytes)");
        } else if (sub.nqn().equals(DISCOVERY_NQN)) {
            problem(path + ".nqn: the discovery subsystem is built in and cannot be configured");
        } else if (!nqns.add(sub.nqn())) {
            problem(path + ".nqn: \"" + sub.nqn() + "\" is used twice");
        }
        if (sub.tenant() != null && sub.tenant().isBlank()) {
            problem(path + ".tenant: empty (leave it out for no tenant)");
        }
        Set<String> hosts = new HashSet<>();
        for (int i = 0; i < sub.hosts().size(); i++) {
            String host = sub.hosts().get(i);
            if (!isValidNqn(host)) {
                problem(path + ".hosts[" + i + "]: \"" + host + "\" is not a valid host NQN");
            } else if (!hosts.add(host)) {
                problem(path + ".hosts[" + i + "]: \"" + host + "\" is listed twice");
            }
        }
        Set<Integer> nsids = new HashSet<>();
        for (int i = 0; i < sub.namespaces().size(); i++) {
            checkNamespace(path + ".namespaces[" + i + "]", sub.namespaces().get(i), nsids, remotes);
        }
    }

    private void checkNamespace(String path, NamespaceSpec ns, Set<Integer> nsids, Set<String> remotes) {
        if (ns.nsid() < 1 || ns.nsid() > 1024) {
            problem(path + ".nsid: " + ns.nsid() + " is out of range 1..1024");
        } else if (!nsids.add(ns.nsid())) {
            problem(path + ".nsid: " + ns.nsid() + " is used twice in this subsystem");
        }
        if (ns.blockSize() != 512 && ns.blockSize() != 4096) {
            problem(path + ".blockSize: " + ns.blockSize() + " must be 512 or 4096");
        }
        if (ns.sizeBytes() < 0) {
            problem(path + ".sizeBytes: " + ns.sizeBytes() + " is negative");
        } else if (ns.sizeBytes() % ns.blockSize() != 0) {
            problem(path + ".sizeBytes: " + ns.sizeBytes() + " is not a multiple of blockSize " + ns.blockSize());
        }
        boolean remote = NamespaceSpec.NVME_TCP.equals(ns.backend());
        if (!remote && ns.remote() != null) {
            problem(path + ".remote: only an nvme-tcp namespace has a remote");
        }
        if (!remote && ns.remoteNsid() != null) {
            problem(path + ".remoteNsid: only an nvme-tcp namespace has a remoteNsid");
        }
        if (NamespaceSpec.RAM.equals(ns.backend())) {
            if (ns.sizeBytes() <= 0) {
                problem(path + ".sizeBytes: missing (required for a ram namespace)");
            }
            if (ns.path() != null) {
                problem(path + ".path: only a file namespace has a path");
            }
        } else if (NamespaceSpec.FILE.equals(ns.backend())) {
            if (ns.path() == null || ns.path().isBlank()) {
                problem(path + ".path: missing (required for a file namespace)");
            } else if (!ns.path().startsWith("/")) {
                problem(path + ".path: \"" + ns.path() + "\" must be an absolute path");
            }
        } else if (remote) {
            if (ns.sizeBytes() <= 0) {
                problem(path + ".sizeBytes: missing (required for an nvme-tcp namespace)");
            }
            if (ns.path() != null) {
                problem(path + ".path: only a file namespace has a path");
            }
            if (ns.remote() == null || ns.remote().isEmpty()) {
                problem(path + ".remote: missing (required for an nvme-tcp namespace)");
            } else if (!remotes.contains(ns.remote())) {
                problem(path + ".remote: \"" + ns.remote() + "\" is not the name of an entry in remotes");
            }
            if (ns.remoteNsid() < 1 || ns.remoteNsid() > 0xFFFFFFFEL) {
                problem(path + ".remoteNsid: " + ns.remoteNsid() + " is out of range 1..4294967294");
            }
        } else {
            problem(path + ".backend: \"" + ns.backend() + "\" is not one of ram, file, nvme-tcp");
        }
    }

    private boolean range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            problem(field + ": " + value + " is out of range " + min + ".." + max);
            return false;
        }
        return true;
    }

    private void problem(String message) {
        problems.add(message);
    }
}

package dev.dpu.storage.agent.config;

import dev.dpu.storage.dataplane.ffm.QosLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a rendered configuration completely before any of it is applied, so a bad config is
 * refused whole and the running one keeps serving. Collects every problem rather than stopping at
 * the first, so one round trip fixes them all.
 */
public final class ConfigValidator {

  /** NVMe base spec 4.5: "nqn.yyyy-mm.reverse-domain[:anything]", at most 223 bytes. */
  private static final Pattern NQN = Pattern.compile(
      "^nqn\\.[0-9]{4}-(0[1-9]|1[0-2])\\.[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:.+)?$");
  private static final int NQN_MAX_BYTES = 223;
  static final String DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";
  private static final Set<String> MODES = Set.of("NonOffload", "ZeroCopy", "FullOffload");
  private static final Set<String> FALLBACKS = Set.of("Degrade", "Fail");
  private static final Set<String> BACKENDS =
      Set.of(NamespaceSpec.RAM, NamespaceSpec.FILE, NamespaceSpec.NVME_TCP);
  /** AES-256-XTS takes two 256-bit keys. */
  public static final int XTS_KEY_BYTES = 64;

  private final List<String> problems = new ArrayList<>();
  private String reason = "InvalidConfig";

  private ConfigValidator() {}

  /** Throws with every problem found; returns normally when the config can be applied. */
  public static void validate(RenderedConfig config) throws ConfigException {
    ConfigValidator v = new ConfigValidator();
    v.check(config);
    if (!v.problems.isEmpty()) {
      throw new ConfigException(v.reason, v.problems);
    }
  }

  public static boolean isValidNqn(String nqn) {
    return nqn != null
        && nqn.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= NQN_MAX_BYTES
        && NQN.matcher(nqn).matches();
  }

  private void check(RenderedConfig config) {
    if (config.listen() == null) {
      problem("listen: missing");
    } else {
      if (config.listen().address() == null || config.listen().address().isBlank()) {
        problem("listen.address: missing");
      }
      if (config.listen().port() < 1 || config.listen().port() > 65535) {
        problem("listen.port: " + config.listen().port() + " is not a TCP port (1..65535)");
      }
    }
    if (config.reactors() != null && (config.reactors() < 1 || config.reactors() > 64)) {
      problem("reactors: " + config.reactors() + " is outside 1..64");
    }
    Set<Integer> cpus = new HashSet<>();
    for (int i = 0; i < config.reactorCpus().size(); i++) {
      Integer cpu = config.reactorCpus().get(i);
      if (cpu == null || cpu < 0 || cpu > 1023) {
        problem("reactorCpus[" + i + "]: " + cpu + " is not a CPU number (0..1023)");
      } else if (!cpus.add(cpu)) {
        problem("reactorCpus[" + i + "]: CPU " + cpu + " appears twice");
      }
    }
    if (config.offload() != null) {
      checkOffload(config.offload());
    }
    Set<String> tenants = new HashSet<>();
    for (int i = 0; i < config.tenants().size(); i++) {
      checkTenant("tenants[" + i + "]", config.tenants().get(i), tenants);
    }
    Set<String> nqns = new HashSet<>();
    for (int i = 0; i < config.subsystems().size(); i++) {
      checkSubsystem("subsystems[" + i + "]", config.subsystems().get(i), nqns);
    }
  }

  private void checkOffload(RenderedConfig.Offload offload) {
    if (offload.mode() != null && !MODES.contains(offload.mode())) {
      problem("offload.mode: unknown mode '" + offload.mode() + "' (expected one of "
          + String.join(", ", MODES.stream().sorted().toList()) + ")");
    }
    if (offload.fallback() != null && !FALLBACKS.contains(offload.fallback())) {
      problem("offload.fallback: unknown policy '" + offload.fallback()
          + "' (expected Degrade or Fail)");
    }
    RenderedConfig.Encryption enc = offload.encryption();
    if (enc == null) {
      return;
    }
    if (enc.algorithm() != null && !enc.algorithm().equals("AES-256-XTS")) {
      problem("offload.encryption.algorithm: '" + enc.algorithm()
          + "' is not supported (AES-256-XTS is)");
    }
    if (enc.keyFile() == null || enc.keyFile().isBlank()) {
      problem("offload.encryption.keyFile: missing");
      return;
    }
    Path key = Path.of(enc.keyFile());
    String secret = enc.keySecret() == null ? "" : " (Secret " + enc.keySecret() + ")";
    if (!Files.isReadable(key)) {
      reason = "KeyMissing";
      problem("offload.encryption.keyFile: " + key + secret
          + " does not exist or is not readable - is the key Secret created and mounted?");
      return;
    }
    try {
      long size = Files.size(key);
      if (size != XTS_KEY_BYTES && size != XTS_KEY_BYTES * 2 && size != XTS_KEY_BYTES * 2 + 1) {
        reason = "KeyInvalid";
        problem("offload.encryption.keyFile: " + key + secret + " holds " + size
            + " bytes; AES-256-XTS needs 64 raw bytes or 128 hex digits");
      }
    } catch (java.io.IOException e) {
      reason = "KeyMissing";
      problem("offload.encryption.keyFile: cannot read " + key + ": " + e.getMessage());
    }
  }

  private void checkTenant(String path, TenantSpec tenant, Set<String> seen) {
    if (tenant.name() == null || tenant.name().isBlank()) {
      problem(path + ".name: missing");
      return;
    }
    if (!seen.add(tenant.name())) {
      problem(path + ".name: tenant '" + tenant.name() + "' appears twice");
    }
    QosLimits l = tenant.limits();
    long[] values = {l.readIops(), l.writeIops(), l.totalIops(), l.readBytesPerSecond(),
        l.writeBytesPerSecond(), l.totalBytesPerSecond(), l.burstIops(), l.burstBytes()};
    for (long value : values) {
      if (value < 0) {
        problem(path + ".limits: negative limit " + value + " (0 means unlimited)");
        break;
      }
    }
  }

  private void checkSubsystem(String path, SubsystemSpec sub, Set<String> nqns) {
    if (!isValidNqn(sub.nqn())) {
      problem(path + ".nqn: '" + sub.nqn() + "' is not a valid NQN (expected "
          + "nqn.yyyy-mm.reverse.domain[:name], at most 223 bytes)");
    } else if (sub.nqn().equals(DISCOVERY_NQN)) {
      problem(path + ".nqn: the discovery subsystem is built in and cannot be configured");
    } else if (!nqns.add(sub.nqn())) {
      problem(path + ".nqn: '" + sub.nqn() + "' appears twice");
    }
    if (sub.serial() != null && (sub.serial().length() > 20 || !isAscii(sub.serial()))) {
      problem(path + ".serial: at most 20 ASCII characters");
    }
    if (sub.model() != null && (sub.model().length() > 40 || !isAscii(sub.model()))) {
      problem(path + ".model: at most 40 ASCII characters");
    }
    Set<String> hosts = new HashSet<>();
    for (int i = 0; i < sub.hosts().size(); i++) {
      String host = sub.hosts().get(i);
      if (!isValidNqn(host)) {
        problem(path + ".hosts[" + i + "]: '" + host + "' is not a valid host NQN");
      } else if (!hosts.add(host)) {
        problem(path + ".hosts[" + i + "]: '" + host + "' appears twice");
      }
    }
    Set<Integer> nsids = new HashSet<>();
    for (int i = 0; i < sub.namespaces().size(); i++) {
      checkNamespace(path + ".namespaces[" + i + "]", sub.namespaces().get(i), nsids);
    }
  }

  private void checkNamespace(String path, NamespaceSpec ns, Set<Integer> nsids) {
    if (ns.nsid() < 1 || ns.nsid() > 1024) {
      problem(path + ".nsid: " + ns.nsid() + " is outside 1..1024");
    } else if (!nsids.add(ns.nsid())) {
      problem(path + ".nsid: " + ns.nsid() + " appears twice in this subsystem");
    }
    if (ns.blockSize() != 512 && ns.blockSize() != 4096) {
      problem(path + ".blockSize: " + ns.blockSize() + " (expected 512 or 4096)");
    }
    if (ns.sizeBytes() < 0) {
      problem(path + ".sizeBytes: negative");
    }
    if (ns.backend() == null || !BACKENDS.contains(ns.backend())) {
      problem(path + ".backend: unknown backend '" + ns.backend() + "' (expected one of ram, "
          + "file, nvmeTcp)");
      return;
    }
    switch (ns.backend()) {
      case NamespaceSpec.RAM -> {
        if (ns.sizeBytes() <= 0) {
          problem(path + ".sizeBytes: a ram namespace needs a size");
        } else if (ns.blockSize() > 0 && ns.sizeBytes() % ns.blockSize() != 0) {
          problem(path + ".sizeBytes: " + ns.sizeBytes() + " is not a multiple of blockSize "
              + ns.blockSize());
        }
      }
      case NamespaceSpec.FILE -> {
        if (ns.path() == null || ns.path().isBlank()) {
          problem(path + ".path: a file namespace needs a path");
        } else if (!Path.of(ns.path()).isAbsolute()) {
          problem(path + ".path: '" + ns.path() + "' must be absolute");
        }
      }
      case NamespaceSpec.NVME_TCP -> {
        NamespaceSpec.RemoteTarget r = ns.remote();
        if (r == null) {
          problem(path + ".remote: an nvmeTcp namespace needs remote address, port and nqn");
        } else {
          if (r.address() == null || r.address().isBlank()) {
            problem(path + ".remote.address: missing");
          }
          if (r.port() < 1 || r.port() > 65535) {
            problem(path + ".remote.port: " + r.port() + " is not a TCP port");
          }
          if (!isValidNqn(r.nqn())) {
            problem(path + ".remote.nqn: '" + r.nqn() + "' is not a valid NQN");
          }
        }
      }
      default -> throw new IllegalStateException("unreachable: " + ns.backend());
    }
  }

  private static boolean isAscii(String s) {
    return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
  }

  private void problem(String message) {
    problems.add(message);
  }
}

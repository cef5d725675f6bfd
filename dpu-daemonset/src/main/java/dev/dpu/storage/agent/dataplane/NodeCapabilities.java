package dev.dpu.storage.agent.dataplane;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What this node can do for the data path, read from /proc and /sys once at start:
 * <ul>
 *   <li>aesNi / vaes: CPU AES instructions (x86 {@code aes}, {@code vaes}; arm64 {@code aes}) -
 *       OpenSSL uses them for AES-XTS when present;</li>
 *   <li>crc32c: a CRC32C instruction (x86 SSE4.2 {@code crc32}; arm64 {@code crc32});</li>
 *   <li>ioUring: the kernel offers io_uring to this process ({@code io_uring_setup} exists from
 *       5.1; {@code kernel.io_uring_disabled} 2 switches it off, 1 restricts it to a group);</li>
 *   <li>offloadProviders: who could take over the I/O path in FullOffload mode - the kernel's
 *       NVMe/TCP target ({@code kernel-nvmet-tcp}, when the nvmet_tcp module is loaded) and DPU
 *       hardware found on PCI (NVIDIA BlueField, AMD Pensando, Intel IPU).</li>
 * </ul>
 */
public record NodeCapabilities(boolean aesNi, boolean vaes, boolean crc32c, boolean ioUring,
    List<String> offloadProviders) {

  /** PCI vendor:device prefixes of DPUs we recognise, and the provider name we report. */
  private static final List<String[]> DPU_PCI_IDS = List.of(
      new String[] {"0x15b3", "0xa2d", "nvidia-bluefield"},
      new String[] {"0x1dd8", "", "amd-pensando"},
      new String[] {"0x8086", "0x1452", "intel-ipu"});

  public static NodeCapabilities probe(Path root) {
    Set<String> flags = cpuFlags(root.resolve("proc/cpuinfo"));
    boolean arm = flags.contains("asimd");
    boolean aes = flags.contains("aes");
    boolean vaes = flags.contains("vaes");
    boolean crc = arm ? flags.contains("crc32") : flags.contains("sse4_2");
    return new NodeCapabilities(aes, vaes, crc, ioUringAvailable(root), offloadProviders(root));
  }

  /**
   * This probe corrected by the data path's own where it answers: it knows whether io_uring
   * actually works for this process (a seccomp profile may refuse it although the kernel has it)
   * and whether it uses a CRC32 instruction.
   */
  public NodeCapabilities withLibraryProbe(
      java.util.function.Function<String, java.util.Optional<Boolean>> library) {
    return new NodeCapabilities(aesNi, vaes,
        library.apply("crc32c_instruction").orElse(crc32c),
        library.apply("io_uring").orElse(ioUring),
        offloadProviders);
  }

  static Set<String> cpuFlags(Path cpuinfo) {
    try (Stream<String> lines = Files.lines(cpuinfo)) {
      return lines
          .filter(l -> l.startsWith("flags") || l.startsWith("Features"))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .map(l -> Arrays.stream(l.split("\\s+")).collect(Collectors.toSet()))
          .orElse(Set.of());
    } catch (IOException e) {
      return Set.of();
    }
  }

  static boolean ioUringAvailable(Path root) {
    Path disabled = root.resolve("proc/sys/kernel/io_uring_disabled");
    if (Files.exists(disabled)) {
      try {
        return !Files.readString(disabled).trim().equals("2");
      } catch (IOException e) {
        return false;
      }
    }
    // Kernels older than 6.6 have no switch; io_uring exists from 5.1.
    try {
      String release = Files.readString(root.resolve("proc/sys/kernel/osrelease")).trim();
      String[] parts = release.split("[.-]");
      int major = Integer.parseInt(parts[0]);
      int minor = Integer.parseInt(parts[1]);
      return major > 5 || (major == 5 && minor >= 1);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  static List<String> offloadProviders(Path root) {
    List<String> providers = new ArrayList<>();
    if (Files.isDirectory(root.resolve("sys/module/nvmet_tcp"))) {
      providers.add("kernel-nvmet-tcp");
    }
    Path pci = root.resolve("sys/bus/pci/devices");
    if (Files.isDirectory(pci)) {
      try (Stream<Path> devices = Files.list(pci)) {
        devices.forEach(dev -> {
          String vendor = read(dev.resolve("vendor"));
          String device = read(dev.resolve("device"));
          for (String[] id : DPU_PCI_IDS) {
            if (vendor.equals(id[0]) && device.startsWith(id[1]) && !providers.contains(id[2])) {
              providers.add(id[2]);
            }
          }
        });
      } catch (IOException e) {
        // No PCI view (some containers): no hardware provider found, said as such.
      }
    }
    return List.copyOf(providers);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      return "";
    }
  }
}

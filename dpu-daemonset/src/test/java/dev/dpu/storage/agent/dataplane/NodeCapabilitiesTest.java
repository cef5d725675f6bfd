package dev.dpu.storage.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe reads a host root laid out like /proc and /sys; these trees stand in for nodes. */
class NodeCapabilitiesTest {

  @Test
  void x86NodeWithAesNiSse42AndABlueField(@TempDir Path root) throws Exception {
    write(root, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse4_2 aes avx2\n\nprocessor\t: 1\n");
    write(root, "proc/sys/kernel/osrelease", "6.1.0-27-amd64\n");
    write(root, "sys/bus/pci/devices/0000:03:00.0/vendor", "0x15b3\n");
    write(root, "sys/bus/pci/devices/0000:03:00.0/device", "0xa2dc\n");
    write(root, "sys/bus/pci/devices/0000:00:1f.0/vendor", "0x8086\n");
    write(root, "sys/bus/pci/devices/0000:00:1f.0/device", "0x7a04\n");

    NodeCapabilities caps = NodeCapabilities.probe(root);

    assertThat(caps.aesNi()).isTrue();
    assertThat(caps.vaes()).isFalse();
    assertThat(caps.crc32c()).isTrue();
    assertThat(caps.ioUring()).isTrue();
    assertThat(caps.offloadProviders()).containsExactly("nvidia-bluefield");
  }

  @Test
  void armNodeWithIoUringSwitchedOffAndKernelNvmet(@TempDir Path root) throws Exception {
    write(root, "proc/cpuinfo", "processor\t: 0\nFeatures\t: fp asimd aes pmull sha1 crc32\n");
    write(root, "proc/sys/kernel/io_uring_disabled", "2\n");
    Files.createDirectories(root.resolve("sys/module/nvmet_tcp"));

    NodeCapabilities caps = NodeCapabilities.probe(root);

    assertThat(caps.aesNi()).isTrue();
    assertThat(caps.crc32c()).isTrue();
    assertThat(caps.ioUring()).as("kernel.io_uring_disabled=2").isFalse();
    assertThat(caps.offloadProviders()).containsExactly("kernel-nvmet-tcp");
  }

  @Test
  void oldKernelHasNoIoUring(@TempDir Path root) throws Exception {
    write(root, "proc/cpuinfo", "flags\t\t: fpu\n");
    write(root, "proc/sys/kernel/osrelease", "4.19.0-26-amd64\n");

    NodeCapabilities caps = NodeCapabilities.probe(root);

    assertThat(caps.ioUring()).isFalse();
    assertThat(caps.aesNi()).isFalse();
    assertThat(caps.crc32c()).isFalse();
    assertThat(caps.offloadProviders()).isEmpty();
  }

  private static void write(Path root, String file, String content) throws Exception {
    Path path = root.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
  }
}

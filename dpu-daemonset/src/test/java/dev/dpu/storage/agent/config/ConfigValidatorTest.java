package dev.dpu.storage.agent.config;

import static dev.dpu.storage.agent.config.Configs.HOST_A;
import static dev.dpu.storage.agent.config.Configs.config;
import static dev.dpu.storage.agent.config.Configs.ram;
import static dev.dpu.storage.agent.config.Configs.subsystem;
import static dev.dpu.storage.agent.config.Configs.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.dpu.storage.dataplane.ffm.QosLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValidatorTest {

  @Test
  void renderedExampleIsAccepted() throws Exception {
    String json = """
        {"pool":"pool-a","namespace":"storage","listen":{"address":"0.0.0.0","port":4420},
         "offload":{"profile":"fast","mode":"ZeroCopy","fallback":"Degrade","requireHeaderDigest":true,
           "requireDataDigest":true,"queues":4,"queueDepth":128,"inCapsuleDataBytes":8192,
           "maxTransferBytes":131072,"cores":2,"encryption":null},
         "subsystems":[{"nqn":"nqn.2024-01.dev.dpu:storage.pool-a.tenant-blue","tenant":"tenant-blue",
           "allowAnyHost":false,"hosts":["%s"],
           "namespaces":[{"nsid":1,"volume":"vol-a","backend":"ram","sizeBytes":1073741824,"blockSize":512},
             {"nsid":2,"volume":"vol-b","backend":"file","path":"/var/lib/dpu/vol-b.img","sizeBytes":0,"blockSize":4096}]}],
         "tenants":[{"name":"tenant-blue","limits":{"totalIops":20000,"burstIops":40000}}],
         "somethingNewer":{"ignored":true}}
        """.formatted(HOST_A);

    RenderedConfig config = ConfigParser.parse(json);

    assertThatCode(() -> ConfigValidator.validate(config)).doesNotThrowAnyException();
    assertThat(config.subsystems().getFirst().namespaces()).hasSize(2);
    assertThat(config.tenants().getFirst().limits().totalIops()).isEqualTo(20000);
  }

  /** A copy of what the operator renders (its golden ConfigMap data, namespace filled in). */
  @Test
  void operatorsRenderingIsAcceptedApartFromTheKeyFileThisMachineLacks() throws Exception {
    String json;
    try (var in = getClass().getResourceAsStream("/rendered-pool-a.json")) {
      json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    RenderedConfig config = ConfigParser.parse(json);
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigValidator.validate(config));

    assertThat(e.reason()).isEqualTo("KeyMissing");
    assertThat(e.problems()).singleElement().asString()
        .startsWith("offload.encryption.keyFile: /etc/dpu/keys/pool-a-xts-key/key (Secret pool-a-xts-key)");
    // tenant-red has no TenantQoS limits: it runs as an unlimited tenant, not refused.
    assertThat(config.tenants()).extracting(TenantSpec::name).containsExactly("tenant-blue", "tenant-red");
    assertThat(config.tenants().get(1).limits()).isEqualTo(QosLimits.UNLIMITED);
  }

  @Test
  void unknownBackendIsNamedWithItsPath() {
    NamespaceSpec tape = new NamespaceSpec(1, "vol", "tape", null, null, 4096, 512);
    RenderedConfig config = config(List.of(subsystem("tenant-blue", List.of(HOST_A), tape)),
        List.of(tenant("tenant-blue", 0)));

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigValidator.validate(config));

    assertThat(e.reason()).isEqualTo("InvalidConfig");
    assertThat(e.problems()).containsExactly(
        "subsystems[0].namespaces[0].backend: unknown backend 'tape' (expected one of ram, file, nvmeTcp)");
  }

  @Test
  void malformedNqnsAreRefused() {
    SubsystemSpec bad = new SubsystemSpec("pool-a-tenant-blue", "tenant-blue", null, null, false,
        List.of("host-without-nqn-prefix"), List.of(ram(1, 4096)));
    RenderedConfig config = config(List.of(bad), List.of(tenant("tenant-blue", 0)));

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigValidator.validate(config));

    assertThat(e.problems()).hasSize(2);
    assertThat(e.problems().get(0)).startsWith("subsystems[0].nqn: 'pool-a-tenant-blue' is not a valid NQN");
    assertThat(e.problems().get(1)).startsWith("subsystems[0].hosts[0]: 'host-without-nqn-prefix'");
  }

  @Test
  void missingKeySecretIsItsOwnReason(@TempDir Path dir) {
    RenderedConfig.Offload encrypted = new RenderedConfig.Offload("p", "ZeroCopy", "Degrade", false,
        false, 1, 32, 0, 0, 1, new RenderedConfig.Encryption("AES-256-XTS", "pool-a-xts-key",
            dir.resolve("pool-a-xts-key/key").toString()));
    RenderedConfig config = new RenderedConfig("pool-a", "storage",
        new RenderedConfig.Listen("127.0.0.1", 4420), encrypted, null, null, null, List.of(), List.of());

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigValidator.validate(config));

    assertThat(e.reason()).isEqualTo("KeyMissing");
    assertThat(e.getMessage()).contains("Secret pool-a-xts-key").contains("is the key Secret created and mounted?");
  }

  @Test
  void presentKeyOfRightSizeIsAccepted(@TempDir Path dir) throws Exception {
    Path key = Files.write(dir.resolve("key"), new byte[64]);
    RenderedConfig.Offload encrypted = new RenderedConfig.Offload("p", "ZeroCopy", "Degrade", false,
        false, 1, 32, 0, 0, 1, new RenderedConfig.Encryption("AES-256-XTS", "k", key.toString()));
    RenderedConfig config = new RenderedConfig("pool-a", "storage",
        new RenderedConfig.Listen("127.0.0.1", 4420), encrypted, null, null, null, List.of(), List.of());

    assertThatCode(() -> ConfigValidator.validate(config)).doesNotThrowAnyException();
  }

  @Test
  void malformedJsonSaysWhere() {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> ConfigParser.parse("{\"listen\": {\"port\": \"not-a-number\"}}"));

    assertThat(e.reason()).isEqualTo("MalformedJson");
    assertThat(e.getMessage()).contains("line 1");
  }

  @Test
  void duplicateNsidAndBadBlockSizeAreBothReported() {
    NamespaceSpec one = ram(1, 4096);
    NamespaceSpec again = new NamespaceSpec(1, "v", "ram", null, null, 4096, 1024);
    RenderedConfig config = config(List.of(subsystem("t", List.of(), one, again)), List.of(tenant("t", 0)));

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigValidator.validate(config));

    assertThat(e.problems()).contains(
        "subsystems[0].namespaces[1].nsid: 1 appears twice in this subsystem",
        "subsystems[0].namespaces[1].blockSize: 1024 (expected 512 or 4096)");
  }
}

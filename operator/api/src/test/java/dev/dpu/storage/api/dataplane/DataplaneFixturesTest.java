package dev.dpu.storage.api.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Java reader against the shared fixtures; dataplane/tests/test_config.c holds the C loader to
 * the same files, so the two cannot drift.
 */
class DataplaneFixturesTest {

    static final Path FIXTURES =
            Path.of(System.getProperty("dataplane.fixtures.dir", "src/test/resources/dataplane-fixtures"));

    @TestFactory
    Stream<DynamicTest> everyValidFixtureIsAccepted() throws IOException {
        return fixtures("valid")
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                    DataplaneConfig config = DataplaneContract.read(Files.readString(file));
                    assertThat(config.listen()).isNotNull();
                    // What the operator would write back reads as the same config: defaults resolved once.
                    assertThat(DataplaneContract.read(DataplaneContract.write(config)))
                            .isEqualTo(config);
                }));
    }

    @TestFactory
    Stream<DynamicTest> everyInvalidFixtureIsRefusedNamingItsField() throws IOException {
        return fixtures("invalid")
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                    String field = Files.readString(sibling(file, ".field")).strip();
                    assertThatThrownBy(() -> DataplaneContract.read(Files.readString(file)))
                            .isInstanceOf(InvalidDataplaneConfigException.class)
                            .hasMessageContaining(field);
                }));
    }

    @Test
    void thereAreFixturesOfBothKinds() throws IOException {
        assertThat(fixtures("valid").count()).isGreaterThanOrEqualTo(3);
        assertThat(fixtures("invalid").count()).isGreaterThanOrEqualTo(40);
        try (Stream<Path> all = Files.list(FIXTURES.resolve("invalid"))) {
            List<String> orphans = all.map(Path::toString)
                    .filter(n -> n.endsWith(".field") && !Files.exists(Path.of(n.replace(".field", ".json"))))
                    .toList();
            assertThat(orphans).as(".field files without their fixture").isEmpty();
        }
    }

    @Test
    void defaultsAreResolvedOnceInTheRecords() throws Exception {
        DataplaneConfig config = DataplaneContract.read(Files.readString(FIXTURES.resolve("valid/minimal.json")));
        assertThat(config.reactors()).isEqualTo(1);
        assertThat(config.reactorCpus()).isEmpty();
        assertThat(config.reactorPolling()).isEqualTo(DataplaneConfig.SLEEP);
        assertThat(config.offload()).isEqualTo(DataplaneConfig.Offload.DEFAULTS);
        assertThat(config.offload().mode()).isEqualTo("ZeroCopy");
        assertThat(config.offload().requireHeaderDigest()).isFalse();
        assertThat(config.offload().queues()).isEqualTo(4);
        assertThat(config.offload().maxTransferBytes()).isEqualTo(131072);
    }

    @Test
    void busyPollIsWrittenAndReadBackWhileSleepIsLeftOut() throws Exception {
        DataplaneConfig busy =
                DataplaneContract.read(Files.readString(FIXTURES.resolve("valid/rendered-encrypted-pool.json")));
        String written = DataplaneContract.write(busy);
        assertThat(written).contains("\"reactorPolling\" : \"BusyPoll\"");
        assertThat(DataplaneContract.read(written).reactorPolling()).isEqualTo(DataplaneConfig.BUSY_POLL);

        DataplaneConfig sleeping = DataplaneContract.read(Files.readString(FIXTURES.resolve("valid/minimal.json")));
        assertThat(DataplaneContract.write(sleeping)).doesNotContain("reactorPolling");
    }

    @Test
    void adaptivePollingIsWrittenReadBackAndRestartsTheDataPath() throws Exception {
        DataplaneConfig adaptive =
                DataplaneContract.read(Files.readString(FIXTURES.resolve("valid/adaptive-polling.json")));
        assertThat(adaptive.reactorPolling()).isEqualTo(DataplaneConfig.ADAPTIVE);
        String written = DataplaneContract.write(adaptive);
        assertThat(written).contains("\"reactorPolling\" : \"Adaptive\"");
        assertThat(DataplaneContract.read(written).reactorPolling()).isEqualTo(DataplaneConfig.ADAPTIVE);

        // Each mode is its own restart checksum: switching between any two restarts the data path.
        List<String> checksums = DataplaneConfig.POLLING_MODES.stream()
                .map(mode -> DataplaneContract.restartChecksum(new DataplaneConfig(
                        adaptive.pool(),
                        adaptive.listen(),
                        adaptive.reactors(),
                        adaptive.reactorCpus(),
                        mode,
                        adaptive.offload(),
                        adaptive.hostNqn(),
                        adaptive.remotes(),
                        adaptive.subsystems(),
                        adaptive.tenants())))
                .toList();
        assertThat(checksums).doesNotHaveDuplicates();
    }

    @Test
    void anUnknownPollingModeIsRefusedListingTheModes() {
        assertThatThrownBy(() -> DataplaneContract.read(
                        "{\"listen\":{\"address\":\"127.0.0.1\",\"port\":4420},\"reactorPolling\":\"Spin\"}"))
                .isInstanceOf(InvalidDataplaneConfigException.class)
                .hasMessageContaining("reactorPolling: \"Spin\" is not one of Sleep, BusyPoll, Adaptive");
    }

    @Test
    void problemsAreAllReportedAtOnce() {
        assertThatThrownBy(
                        () -> DataplaneContract.read(
                                """
        {"listen":{"address":"127.0.0.1","port":70000},"reactors":0,"offload":{"mode":"Turbo"}}"""))
                .isInstanceOfSatisfying(InvalidDataplaneConfigException.class, e -> assertThat(e.problems())
                        .hasSize(3)
                        .anySatisfy(p -> assertThat(p).startsWith("listen.port: 70000 is out of range 0..65535"))
                        .anySatisfy(p -> assertThat(p).startsWith("reactors: 0"))
                        .anySatisfy(p -> assertThat(p).startsWith("offload.mode: \"Turbo\"")));
    }

    @Test
    void digestRequirementsAreLiveAndLeaveTheRestartChecksumAlone() throws Exception {
        DataplaneConfig base =
                DataplaneContract.read(Files.readString(FIXTURES.resolve("valid/rendered-encrypted-pool.json")));
        DataplaneConfig.Offload o = base.offload();
        DataplaneConfig digests = new DataplaneConfig(
                base.pool(),
                base.listen(),
                base.reactors(),
                base.reactorCpus(),
                base.reactorPolling(),
                new DataplaneConfig.Offload(
                        o.mode(),
                        o.fallback(),
                        !o.requireHeaderDigest(),
                        !o.requireDataDigest(),
                        o.queues(),
                        o.queueDepth(),
                        o.inCapsuleDataBytes(),
                        o.maxTransferBytes(),
                        o.encryption()),
                base.hostNqn(),
                base.remotes(),
                base.subsystems(),
                base.tenants());
        DataplaneConfig reactors =
                new DataplaneConfig(base.pool(), base.listen(), 3, List.of(), o, base.subsystems(), base.tenants());
        DataplaneConfig cpus =
                new DataplaneConfig(base.pool(), base.listen(), 2, List.of(5, 6), o, base.subsystems(), base.tenants());
        DataplaneConfig content = base.withContent(List.of(), List.of());
        DataplaneConfig sleeping = new DataplaneConfig(
                base.pool(),
                base.listen(),
                base.reactors(),
                base.reactorCpus(),
                DataplaneConfig.SLEEP,
                o,
                base.hostNqn(),
                base.remotes(),
                base.subsystems(),
                base.tenants());

        String checksum = DataplaneContract.restartChecksum(base);
        assertThat(DataplaneContract.restartChecksum(digests)).isEqualTo(checksum);
        assertThat(DataplaneContract.restartChecksum(content)).isEqualTo(checksum);
        assertThat(DataplaneContract.restartChecksum(reactors)).isNotEqualTo(checksum);
        assertThat(DataplaneContract.restartChecksum(cpus)).isNotEqualTo(checksum);
        assertThat(base.reactorPolling()).isEqualTo(DataplaneConfig.BUSY_POLL);
        assertThat(DataplaneContract.restartChecksum(sleeping)).isNotEqualTo(checksum);
    }

    static Stream<Path> fixtures(String kind) throws IOException {
        try (Stream<Path> files = Files.list(FIXTURES.resolve(kind))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    private static Path sibling(Path json, String ext) {
        String name = json.getFileName().toString();
        return json.resolveSibling(name.substring(0, name.length() - ".json".length()) + ext);
    }
}

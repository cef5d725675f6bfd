package dev.dpu.storage.dataplane.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binding against the real libdpudp.so the dataplane module built (found through the
 * dpu.dataplane.library property the POM sets) and the real load generator as NVMe/TCP host.
 */
class EngineTest {

    private static final String NQN = "nqn.2024-01.dev.dpu:binding-test";
    private static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:0b1d1e5e-0000-4000-8000-000000000001";

    @Test
    void libraryIsFoundThroughTheOverrideAndReportsItsVersion() {
        assertThat(Engine.library().foundBy()).isEqualTo("system property dpu.dataplane.library");
        assertThat(Engine.version()).matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void capabilitiesComeFromTheLibraryAndDecideTheOffloadMode(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"), "processor\t: 0\nflags\t\t: fpu sse4_2 aes vaes\n");
        Files.createDirectories(root.resolve("sys/module/nvmet_tcp"));
        Engine.setSystemRoot(root);
        try (Engine engine = Engine.create(EngineOptions.builder().reactors(1).build())) {
            Capabilities caps = Engine.capabilities();
            assertThat(caps.aesNi()).isTrue();
            assertThat(caps.vaes()).isTrue();
            assertThat(caps.offloadProviders()).containsExactly("kernel-nvmet-tcp");
            assertThatThrownBy(() -> engine.setOffloadMode(OffloadMode.FULL_OFFLOAD, OffloadMode.Fallback.FAIL))
                    .as("a provider this build has no driver for does not run FullOffload")
                    .hasMessageContaining("kernel-nvmet-tcp found, but this build has no driver");
        } finally {
            Engine.setSystemRoot(Path.of("/"));
        }
        assertThatThrownBy(() -> Engine.setSystemRoot(root.resolve("missing")))
                .isInstanceOfSatisfying(
                        DataplaneException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOTDIR"));
    }

    @Test
    void reactorsRunAsConfiguredAsNamedThreads() throws Exception {
        try (Engine engine = Engine.create(EngineOptions.builder().reactors(3).build())) {
            assertThat(engine.reactorCount()).isZero();
            engine.start();
            assertThat(engine.reactorCount()).isEqualTo(3);
            assertThat(reactorThreads()).isEqualTo(3);
            engine.stop(Duration.ofSeconds(2));
            assertThat(reactorThreads()).isZero();
        }
        assertThatThrownBy(() -> Engine.create(EngineOptions.builder()
                        .reactors(1)
                        .reactorCpus(java.util.List.of(1023))
                        .build()))
                .isInstanceOf(DataplaneException.class)
                .hasMessageContaining("CPU 1023 is not in this process's CPU set");
    }

    @Test
    void busyPollingReactorsNeverSleepWhileSleepingAndAdaptiveOnesDo() throws Exception {
        for (ReactorPolling polling : ReactorPolling.values()) {
            try (Engine engine = Engine.create(
                    EngineOptions.builder().reactors(1).polling(polling).build())) {
                engine.start();
                long before = reactorSleeps();
                Thread.sleep(500); // five reactor ticks with nothing to do
                long slept = reactorSleeps() - before;
                if (polling == ReactorPolling.BUSY_POLL) {
                    assertThat(slept).as("times a busy-polling reactor slept").isZero();
                } else {
                    assertThat(slept).as("times a %s reactor slept", polling).isPositive();
                }
                engine.stop(Duration.ofSeconds(2));
            }
        }
    }

    /** Voluntary context switches (each one a sleep) of the dpd-reactor- thread. */
    static long reactorSleeps() throws Exception {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).startsWith("dpd-reactor-")) {
                    return Files.readAllLines(task.resolve("status")).stream()
                            .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                            .mapToLong(l -> Long.parseLong(
                                    l.substring(l.indexOf(':') + 1).strip()))
                            .sum();
                }
            }
        }
        throw new AssertionError("no dpd-reactor- thread");
    }

    /** Threads of this process named dpd-reactor-N, as ps or top would show them. */
    static long reactorThreads() throws Exception {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(task -> {
                        try {
                            return Files.readString(task.resolve("comm")).startsWith("dpd-reactor-");
                        } catch (java.io.IOException e) {
                            return false; // the thread ended while we looked
                        }
                    })
                    .count();
        }
    }

    @Test
    void requiredHeaderDigestRefusesAHostWithoutIt(@TempDir Path dir) throws Exception {
        try (Engine engine = Engine.create(EngineOptions.builder().reactors(1).build())) {
            engine.start();
            int port = engine.listen("127.0.0.1", 0);
            engine.addSubsystem(NQN, null, null);
            engine.addRamNamespace(NQN, 1, 16L << 20, 512);
            engine.allowHost(NQN, HOST);
            engine.setDigestPolicy(true, false);

            assertThat(runLoadgen(dir, port, "without")).as("no header digest").isNotZero();
            assertThat(runLoadgen(dir, port, "with", "--header-digest"))
                    .as("header digest")
                    .isZero();
            try (StatsSnapshot snapshot = engine.snapshot()) {
                assertThat(snapshot.engine(StatsSnapshot.EngineCounter.CONNECT_REFUSED_DIGEST))
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void remoteNamespaceCarriesLoadGeneratorIoAndRefusalsSayWhatToDo(@TempDir Path dir) throws Exception {
        String storageNqn = "nqn.2024-01.dev.dpu:binding-storage";
        String dpuHost = "nqn.2014-08.org.nvmexpress:uuid:0b1d1e5e-0000-4000-8000-0000000000d1";
        try (Engine storage = Engine.create(EngineOptions.builder().reactors(1).build());
                Engine dpu = Engine.create(EngineOptions.builder().reactors(1).build())) {
            storage.start();
            int storagePort = storage.listen("127.0.0.1", 0);
            storage.addSubsystem(storageNqn, null, null);
            storage.addRamNamespace(storageNqn, 1, 16L << 20, 512);
            storage.allowHost(storageNqn, dpuHost);
            dpu.start();
            int port = dpu.listen("127.0.0.1", 0);
            dpu.addSubsystem(NQN, null, null);
            dpu.allowHost(NQN, HOST);
            dpu.addRemote(new RemoteTarget("store", "127.0.0.1", storagePort, storageNqn, dpuHost, false, false, 600));
            dpu.addRemoteNamespace(NQN, 1, "store", 1, 16L << 20, 512);
            waitForRemote(dpu, "store", StatsSnapshot.RemoteState.CONNECTED, "");

            loadgenSucceeds(dir, port, 1, 2000);

            try (StatsSnapshot snapshot = dpu.snapshot()) {
                StatsSnapshot.RemoteStats remote = snapshot.read().remotes().getFirst();
                assertThat(remote.name()).isEqualTo("store");
                assertThat(remote.state()).isEqualTo(StatsSnapshot.RemoteState.CONNECTED);
                assertThat(remote.reason()).isEmpty();
                long ops = remote.get(StatsSnapshot.RemoteCounter.READ_OPS)
                        + remote.get(StatsSnapshot.RemoteCounter.WRITE_OPS);
                assertThat(ops).isEqualTo(2000);
                assertThat(remote.get(StatsSnapshot.RemoteCounter.WRITE_BYTES))
                        .isEqualTo(4096 * remote.get(StatsSnapshot.RemoteCounter.WRITE_OPS));
                assertThat(remote.roundTrip().count()).isEqualTo(ops);
                assertThat(remote.roundTrip().sumNs()).isPositive();
            }
            assertThatThrownBy(() -> dpu.removeRemote("store"))
                    .isInstanceOfSatisfying(DataplaneException.class, e -> assertThat(e.errnoName())
                            .isEqualTo("EBUSY"));

            String stranger = "nqn.2014-08.org.nvmexpress:uuid:0b1d1e5e-0000-4000-8000-0000000000ee";
            dpu.addRemote(new RemoteTarget("refused", "127.0.0.1", storagePort, storageNqn, stranger, false, false, 5));
            waitForRemote(
                    dpu,
                    "refused",
                    StatsSnapshot.RemoteState.FAILED,
                    "refused host " + stranger + " for subsystem " + storageNqn
                            + " (Connect status 0x184): allow this host on the remote target");
            dpu.removeRemote("refused");
            try (StatsSnapshot snapshot = dpu.snapshot()) {
                assertThat(snapshot.read().remotes())
                        .extracting(StatsSnapshot.RemoteStats::name)
                        .containsExactly("store");
            }
        }
    }

    /** Polls snapshots (at most 30 s) until the remote is in state with a reason containing reasonPart. */
    private static void waitForRemote(Engine engine, String name, StatsSnapshot.RemoteState state, String reasonPart)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        StatsSnapshot.RemoteStats last = null;
        while (System.nanoTime() < deadline) {
            try (StatsSnapshot snapshot = engine.snapshot()) {
                last = snapshot.read().remotes().stream()
                        .filter(r -> r.name().equals(name))
                        .findFirst()
                        .orElse(null);
            }
            if (last != null && last.state() == state && last.reason().contains(reasonPart)) {
                return;
            }
            Thread.sleep(50);
        }
        assertThat(last).as("remote " + name).isNotNull();
        assertThat(last.state()).as(last.reason()).isEqualTo(state);
        assertThat(last.reason()).contains(reasonPart);
    }

    /** Runs a verified random read/write load on nsid; asserts it ended without an I/O error. */
    private static void loadgenSucceeds(Path dir, int port, int nsid, int ops) throws Exception {
        Process loadgen = new ProcessBuilder(
                        loadgen(),
                        "--address",
                        "127.0.0.1",
                        "--port",
                        Integer.toString(port),
                        "--nqn",
                        NQN,
                        "--hostnqn",
                        HOST,
                        "--nsid",
                        Integer.toString(nsid),
                        "--rw",
                        "randrw",
                        "--ops",
                        Integer.toString(ops),
                        "--qd",
                        "8",
                        "--bs",
                        "4096",
                        "--verify")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("loadgen.log").toFile())
                .start();
        assertThat(loadgen.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(loadgen.exitValue())
                .as(Files.readString(dir.resolve("loadgen.log")))
                .isZero();
    }

    private static int runLoadgen(Path dir, int port, String name, String... extra) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                loadgen(),
                "--address",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--nqn",
                NQN,
                "--hostnqn",
                HOST,
                "--nsid",
                "1",
                "--rw",
                "randread",
                "--ops",
                "100",
                "--qd",
                "4",
                "--bs",
                "4096"));
        cmd.addAll(java.util.List.of(extra));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void nativeFailuresCarryErrnoAndTheLibrarysMessage() {
        try (Engine engine = Engine.create(EngineOptions.builder().reactors(1).build())) {
            engine.addSubsystem(NQN, null, null);

            assertThatThrownBy(() -> engine.addSubsystem(NQN, null, null))
                    .isInstanceOfSatisfying(DataplaneException.class, e -> {
                        assertThat(e.errnoName()).isEqualTo("EEXIST");
                        assertThat(e.operation()).isEqualTo("dpd_subsystem_add(" + NQN + ")");
                        assertThat(e.nativeMessage()).isNotBlank();
                    });
            assertThatThrownBy(() -> engine.addSubsystem("not-an-nqn", null, null))
                    .isInstanceOfSatisfying(DataplaneException.class, e -> assertThat(e.errnoName())
                            .isEqualTo("EINVAL"));
            assertThatThrownBy(() -> engine.removeNamespace(NQN, 9))
                    .isInstanceOfSatisfying(DataplaneException.class, e -> assertThat(e.errnoName())
                            .isEqualTo("ENOENT"));
        }
    }

    @Test
    void badOptionIsRefusedWithItsName() {
        assertThatThrownBy(
                        () -> Engine.create(EngineOptions.builder().reactors(0).build()))
                .isInstanceOf(DataplaneException.class)
                .hasMessageContaining("reactors");
    }

    @Test
    void snapshotCountsLoadGeneratorIoAndStopDrains(@TempDir Path dir) throws Exception {
        Engine engine = Engine.create(EngineOptions.builder().reactors(1).build());
        try {
            engine.start();
            int port = engine.listen("127.0.0.1", 0);
            engine.addSubsystem(NQN, "BINDING0001", null);
            engine.addRamNamespace(NQN, 1, 16L << 20, 512);
            engine.addFileNamespace(NQN, 2, dir.resolve("ns2.img").toString(), 8L << 20, 4096);
            engine.allowHost(NQN, HOST);

            loadgenSucceeds(dir, port, 2, 2000);

            try (StatsSnapshot snapshot = engine.snapshot()) {
                StatsSnapshot.Stats stats = snapshot.read();
                assertThat(stats.namespaces()).hasSize(2);
                StatsSnapshot.NamespaceStats ns2 = stats.namespaces().stream()
                        .filter(n -> n.nsid() == 2)
                        .findFirst()
                        .orElseThrow();
                assertThat(ns2.subsystemNqn()).isEqualTo(NQN);
                long ops = ns2.get(StatsSnapshot.NamespaceCounter.READ_OPS)
                        + ns2.get(StatsSnapshot.NamespaceCounter.WRITE_OPS);
                assertThat(ops).isGreaterThanOrEqualTo(2000);
                assertThat(ns2.get(StatsSnapshot.NamespaceCounter.WRITE_BYTES)).isPositive();
                assertThat(ns2.get(StatsSnapshot.NamespaceCounter.ERRORS)).isZero();
                assertThat(ns2.get(StatsSnapshot.NamespaceCounter.SIZE_BYTES)).isEqualTo(8L << 20);
                assertThat(stats.get(StatsSnapshot.EngineCounter.CONNECTIONS_TOTAL))
                        .isPositive();
            }

            assertThat(engine.stop(Duration.ofSeconds(5))).isTrue();
        } finally {
            engine.close();
        }
        assertThatThrownBy(engine::snapshot).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void offloadModeFollowsTheFallbackPolicy(@TempDir Path bareNode) {
        Engine.setSystemRoot(bareNode); // no provider on this node
        try (Engine engine = Engine.create(EngineOptions.builder().reactors(1).build())) {
            assertThat(Engine.capabilities().offloadProviders()).isEmpty();
            assertThat(engine.setOffloadMode(OffloadMode.NON_OFFLOAD, OffloadMode.Fallback.FAIL))
                    .isEqualTo(OffloadMode.NON_OFFLOAD);
            assertThat(engine.offloadMode()).isEqualTo(OffloadMode.NON_OFFLOAD);
            assertThat(engine.setOffloadMode(OffloadMode.FULL_OFFLOAD, OffloadMode.Fallback.DEGRADE))
                    .isEqualTo(OffloadMode.ZERO_COPY);
            assertThatThrownBy(() -> engine.setOffloadMode(OffloadMode.FULL_OFFLOAD, OffloadMode.Fallback.FAIL))
                    .isInstanceOfSatisfying(DataplaneException.class, e -> assertThat(e.errnoName())
                            .isEqualTo("EOPNOTSUPP"));
            assertThat(engine.offloadMode())
                    .as("a refused mode keeps the current one")
                    .isEqualTo(OffloadMode.ZERO_COPY);
        } finally {
            Engine.setSystemRoot(Path.of("/"));
        }
    }

    @Test
    void tenantsKeysAndTelemetryThroughOneSnapshot(@TempDir Path dir) throws Exception {
        try (Engine engine = Engine.create(EngineOptions.builder().reactors(1).build())) {
            engine.start();
            int port = engine.listen("127.0.0.1", 0);
            engine.setOffloadMode(OffloadMode.NON_OFFLOAD, OffloadMode.Fallback.FAIL);
            engine.addSubsystem(NQN, null, null);
            engine.addRamNamespace(NQN, 1, 16L << 20, 512);
            byte[] key = new byte[64];
            for (int i = 0; i < key.length; i++) {
                key[i] = (byte) (i * 7 + 1);
            }
            engine.setNamespaceKey(NQN, 1, key);
            assertThatThrownBy(() -> engine.setNamespaceKey(NQN, 1, new byte[64]))
                    .as("equal XTS halves are refused")
                    .isInstanceOf(DataplaneException.class);
            engine.addTenant("tenant-a");
            engine.setTenantLimits("tenant-a", new QosLimits(0, 0, 50_000, 0, 0, 0, 0, 0));
            engine.addTenantNamespace("tenant-a", NQN, 1);
            engine.allowHost(NQN, HOST);

            loadgenSucceeds(dir, port, 1, 3000);

            try (StatsSnapshot snapshot = engine.snapshot()) {
                StatsSnapshot.Stats stats = snapshot.read();
                StatsSnapshot.TenantStats tenant = stats.tenants().stream()
                        .filter(t -> t.name().equals("tenant-a"))
                        .findFirst()
                        .orElseThrow();
                assertThat(tenant.limits()[2]).as("total_iops in force").isEqualTo(50_000);
                assertThat(tenant.io().get(StatsSnapshot.IoCounter.READ_OPS)
                                + tenant.io().get(StatsSnapshot.IoCounter.WRITE_OPS))
                        .isGreaterThanOrEqualTo(3000);

                StatsSnapshot.IoStats ns = stats.namespaces().getFirst().io();
                assertThat(ns.get(StatsSnapshot.IoCounter.PAYLOAD_COPIES))
                        .as("NonOffload copies every payload")
                        .isPositive();
                assertThat(ns.get(StatsSnapshot.IoCounter.XTS_BYTES))
                        .as("every payload byte of the encrypted namespace went through AES-XTS")
                        .isEqualTo(ns.get(StatsSnapshot.IoCounter.READ_BYTES)
                                + ns.get(StatsSnapshot.IoCounter.WRITE_BYTES));
                assertThat(stats.reactors()).hasSize(1);
                assertThat(stats.reactors().getFirst().busyNs())
                        .as("the reactor was busy serving the load")
                        .isPositive();
                assertThat(stats.reactors().getFirst().idleNs()).isPositive();
                assertThat(stats.node().get(StatsSnapshot.IoCounter.READ_OPS)
                                + stats.node().get(StatsSnapshot.IoCounter.WRITE_OPS))
                        .as("the node aggregate is the namespaces summed")
                        .isEqualTo(stats.namespaces().stream()
                                .mapToLong(n -> n.io().get(StatsSnapshot.IoCounter.READ_OPS)
                                        + n.io().get(StatsSnapshot.IoCounter.WRITE_OPS))
                                .sum());
                assertThatThrownBy(() -> ns.histogram(StatsSnapshot.Histogram.E2E))
                        .as("namespaces carry no histograms")
                        .isInstanceOf(IllegalStateException.class);
                assertThat(tenant.io().histogram(StatsSnapshot.Histogram.E2E).count())
                        .as("the tenant's own latency histogram")
                        .isGreaterThanOrEqualTo(3000);
                StatsSnapshot.LatencyHistogram e2e = stats.node().histogram(StatsSnapshot.Histogram.E2E);
                assertThat(e2e.count()).isGreaterThanOrEqualTo(3000);
                assertThat(e2e.sumNs()).isPositive();
                long[] upper = e2e.upperNs();
                for (int b = 1; b < upper.length; b++) {
                    assertThat(Long.compareUnsigned(upper[b], upper[b - 1]))
                            .as("bucket %d", b)
                            .isPositive();
                }
            }
            engine.removeTenantNamespace("tenant-a", NQN, 1);
            engine.removeTenant("tenant-a");
            engine.clearNamespaceKey(NQN, 1);
        }
    }

    static String loadgen() {
        Path bin = Path.of(System.getProperty("dpu.dataplane.bin", "../build"), "dpu-loadgen");
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException(
                    "no load generator at " + bin + ": build it with " + "`make -C dataplane all`");
        }
        return bin.toString();
    }
}

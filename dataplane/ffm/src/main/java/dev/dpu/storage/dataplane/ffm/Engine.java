package dev.dpu.storage.dataplane.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One native data-path engine (dpd_engine): reactors, listeners, subsystems, namespaces.
 * Owns the native handle; {@link #close()} destroys it (stopping it first if still running).
 *
 * <p>Methods may be called from any platform thread - the library serialises configuration calls
 * and reads its error text from thread-local storage right after the failing call. Every failure
 * becomes a {@link DataplaneException} with the native message. Calls after close() fail with
 * IllegalStateException instead of touching freed memory: a read lock is held for each call and
 * close() takes the write lock.
 */
public final class Engine implements AutoCloseable {

    private final MemorySegment handle;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private Engine(MemorySegment handle) {
        this.handle = handle;
    }

    /** Creates an engine (not started). */
    public static Engine create(EngineOptions options) {
        try (EngineOptions.NativeOptions nativeOptions = options.toNative();
                Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            int rc;
            try {
                rc = (int) Dpd.ENGINE_CREATE.invokeExact(nativeOptions.handle, out);
            } catch (Throwable t) {
                throw Dpd.rethrow(t);
            }
            Dpd.check(rc, "dpd_engine_create");
            return new Engine(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** Library version, e.g. "0.1.0". */
    public static String version() {
        try {
            return Dpd.string((MemorySegment) Dpd.VERSION.invokeExact());
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }

    /** Where libdpudp.so was loaded from and how it was found. */
    public static DataplaneLibrary.Loaded library() {
        return Dpd.LIBRARY;
    }

    /** Starts the reactor threads. */
    public void start() {
        call("dpd_engine_start", arena -> (int) Dpd.ENGINE_START.invokeExact(handle));
    }

    /**
     * Graceful stop: close listeners, finish in-flight commands (at most {@code drainTimeout}),
     * close connections, flush file backends, join reactors. Returns false when commands were still
     * in flight at the timeout (they were dropped unacknowledged).
     */
    public boolean stop(Duration drainTimeout) {
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(0, drainTimeout.toMillis()));
        try {
            call("dpd_engine_stop", arena -> (int) Dpd.ENGINE_STOP.invokeExact(handle, timeoutMs));
            return true;
        } catch (DataplaneException e) {
            if (e.errnoName().equals("ETIMEDOUT")) {
                return false;
            }
            throw e;
        }
    }

    /** Listens for NVMe/TCP; returns the bound port (useful with port 0). */
    public int listen(String address, int port) {
        return call("dpd_listener_add(" + address + ":" + port + ")", arena ->
                (int) Dpd.LISTENER_ADD.invokeExact(handle, arena.allocateFrom(address), port));
    }

    /** Stops listening on address:port; established connections stay. */
    public void stopListening(String address, int port) {
        call("dpd_listener_remove(" + address + ":" + port + ")", arena ->
                (int) Dpd.LISTENER_REMOVE.invokeExact(handle, arena.allocateFrom(address), port));
    }

    /** Adds a subsystem that allows no host yet. serial and model may be null for defaults. */
    public void addSubsystem(String nqn, String serial, String model) {
        call("dpd_subsystem_add(" + nqn + ")", arena -> (int) Dpd.SUBSYSTEM_ADD.invokeExact(
                handle, arena.allocateFrom(nqn), cString(arena, serial), cString(arena, model)));
    }

    /** Removes a subsystem, its namespaces, and disconnects its controllers. */
    public void removeSubsystem(String nqn) {
        call("dpd_subsystem_remove(" + nqn + ")", arena ->
                (int) Dpd.SUBSYSTEM_REMOVE.invokeExact(handle, arena.allocateFrom(nqn)));
    }

    public void allowAnyHost(String nqn, boolean allow) {
        call("dpd_subsystem_allow_any_host(" + nqn + ", " + allow + ")", arena ->
                (int) Dpd.SUBSYSTEM_ALLOW_ANY_HOST.invokeExact(handle, arena.allocateFrom(nqn), allow ? 1 : 0));
    }

    public void allowHost(String nqn, String hostNqn) {
        call("dpd_host_allow(" + nqn + ", " + hostNqn + ")", arena ->
                (int) Dpd.HOST_ALLOW.invokeExact(handle, arena.allocateFrom(nqn), arena.allocateFrom(hostNqn)));
    }

    /** Removes a host from the allow-list; its controllers on this subsystem are disconnected. */
    public void disallowHost(String nqn, String hostNqn) {
        call("dpd_host_disallow(" + nqn + ", " + hostNqn + ")", arena ->
                (int) Dpd.HOST_DISALLOW.invokeExact(handle, arena.allocateFrom(nqn), arena.allocateFrom(hostNqn)));
    }

    public void addRamNamespace(String nqn, int nsid, long sizeBytes, int blockSize) {
        call("dpd_ns_add_ram(" + nqn + ", " + nsid + ")", arena ->
                (int) Dpd.NS_ADD_RAM.invokeExact(handle, arena.allocateFrom(nqn), nsid, sizeBytes, blockSize));
    }

    /** Adds a namespace on a regular file (created/extended to sizeBytes) or a block device. */
    public void addFileNamespace(String nqn, int nsid, String path, long sizeBytes, int blockSize) {
        call("dpd_ns_add_file(" + nqn + ", " + nsid + ", " + path + ")", arena -> (int) Dpd.NS_ADD_FILE.invokeExact(
                handle, arena.allocateFrom(nqn), nsid, arena.allocateFrom(path), sizeBytes, blockSize));
    }

    /**
     * Adds a remote NVMe/TCP target; returns at once (the library connects in the background and
     * reports progress in {@link StatsSnapshot.Stats#remotes()}).
     */
    public void addRemote(RemoteTarget remote) {
        call("dpd_remote_add(" + remote.name() + ")", arena -> (int) Dpd.REMOTE_ADD.invokeExact(
                handle,
                arena.allocateFrom(remote.name()),
                arena.allocateFrom(remote.address()),
                remote.port(),
                arena.allocateFrom(remote.subsystemNqn()),
                arena.allocateFrom(remote.hostNqn()),
                remote.headerDigest() ? 1 : 0,
                remote.dataDigest() ? 1 : 0,
                remote.ctrlLossTimeoutSeconds()));
    }

    /** Disconnects from a remote and forgets it; fails with EBUSY while a namespace uses it. */
    public void removeRemote(String name) {
        call("dpd_remote_remove(" + name + ")", arena ->
                (int) Dpd.REMOTE_REMOVE.invokeExact(handle, arena.allocateFrom(name)));
    }

    /**
     * Adds namespace nsid stored on namespace remoteNsid (1..4294967294) of a remote added with
     * {@link #addRemote}. Size and block size are what hosts see; they are checked against the
     * remote namespace on every connect.
     */
    public void addRemoteNamespace(
            String nqn, int nsid, String remote, long remoteNsid, long sizeBytes, int blockSize) {
        if (remoteNsid < 1 || remoteNsid > 0xFFFFFFFEL) {
            throw new IllegalArgumentException("remoteNsid " + remoteNsid + " is out of range 1..4294967294");
        }
        int unsignedNsid = (int) remoteNsid;
        call(
                "dpd_ns_add_remote(" + nqn + ", " + nsid + ", " + remote + ")",
                arena -> (int) Dpd.NS_ADD_REMOTE.invokeExact(
                        handle,
                        arena.allocateFrom(nqn),
                        nsid,
                        arena.allocateFrom(remote),
                        unsignedNsid,
                        sizeBytes,
                        blockSize));
    }

    /** Removes a namespace; in-flight commands on it complete first. */
    public void removeNamespace(String nqn, int nsid) {
        call("dpd_ns_remove(" + nqn + ", " + nsid + ")", arena ->
                (int) Dpd.NS_REMOVE.invokeExact(handle, arena.allocateFrom(nqn), nsid));
    }

    /**
     * Where the library reads the node's proc and sys trees from (default "/"): an agent whose
     * host trees are mounted elsewhere, or a test with a fake tree, points it there. Process-wide;
     * later {@link #capabilities()} calls and offload-mode decisions use it.
     */
    public static void setSystemRoot(Path root) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) Dpd.SET_SYSTEM_ROOT.invokeExact(arena.allocateFrom(root.toString()));
            Dpd.check(rc, "dpd_set_system_root(" + root + ")");
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }

    /** What this node can do, probed now by the library (the only authority on it). */
    public static Capabilities capabilities() {
        try (Arena arena = Arena.ofConfined()) {
            int size = 256;
            MemorySegment providers = arena.allocate(size);
            int bits = (int) Dpd.CAPABILITIES.invokeExact(providers, size);
            Dpd.check(bits, "dpd_capabilities");
            return Capabilities.of(bits, providers.getString(0));
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        }
    }

    /** Reactor threads running now: the configured number once started, 0 before and after. */
    public int reactorCount() {
        return call("dpd_engine_reactor_count", arena -> (int) Dpd.ENGINE_REACTOR_COUNT.invokeExact(handle));
    }

    /**
     * Digests required of new connections: an ICReq that does not ask for a required digest is
     * refused (counted as {@link StatsSnapshot.EngineCounter#CONNECT_REFUSED_DIGEST}). Live:
     * established connections keep what they negotiated.
     */
    public void setDigestPolicy(boolean headerRequired, boolean dataRequired) {
        call("dpd_engine_set_digest_policy(" + headerRequired + ", " + dataRequired + ")", arena ->
                (int) Dpd.ENGINE_SET_DIGEST_POLICY.invokeExact(handle, headerRequired ? 1 : 0, dataRequired ? 1 : 0));
    }

    /**
     * Selects the offload mode for all I/O started after the call. If the mode cannot run here,
     * the fallback decides: DEGRADE runs the next lower mode, FAIL throws (ENOTSUP) and keeps the
     * current mode. Returns the mode now in force.
     */
    public OffloadMode setOffloadMode(OffloadMode mode, OffloadMode.Fallback fallback) {
        int effective = call("dpd_engine_set_offload_mode(" + mode + ", " + fallback + ")", arena ->
                (int) Dpd.ENGINE_SET_OFFLOAD_MODE.invokeExact(handle, mode.ordinal(), fallback.ordinal()));
        return OffloadMode.values()[effective];
    }

    /** The offload mode in force. */
    public OffloadMode offloadMode() {
        return OffloadMode.values()[
                call("dpd_engine_offload_mode", arena -> (int) Dpd.ENGINE_OFFLOAD_MODE.invokeExact(handle))];
    }

    /**
     * Encrypts a namespace at rest with AES-256-XTS (64 key bytes: key1 || key2). The library
     * copies the key; the copy made here in native memory is zeroed before it is freed.
     */
    public void setNamespaceKey(String nqn, int nsid, byte[] key) {
        call("dpd_ns_set_key(" + nqn + ", " + nsid + ")", arena -> {
            MemorySegment bytes = arena.allocate(key.length);
            try {
                MemorySegment.copy(key, 0, bytes, ValueLayout.JAVA_BYTE, 0, key.length);
                return (int) Dpd.NS_SET_KEY.invokeExact(handle, arena.allocateFrom(nqn), nsid, bytes, key.length);
            } finally {
                bytes.fill((byte) 0);
            }
        });
    }

    /** Stops encrypting a namespace and wipes its key. */
    public void clearNamespaceKey(String nqn, int nsid) {
        call("dpd_ns_clear_key(" + nqn + ", " + nsid + ")", arena ->
                (int) Dpd.NS_CLEAR_KEY.invokeExact(handle, arena.allocateFrom(nqn), nsid));
    }

    /** Creates a tenant (no limits until {@link #setTenantLimits}). */
    public void addTenant(String name) {
        call("dpd_tenant_add(" + name + ")", arena ->
                (int) Dpd.TENANT_ADD.invokeExact(handle, arena.allocateFrom(name)));
    }

    /** Removes a tenant; its connected queues continue without limits. */
    public void removeTenant(String name) {
        call("dpd_tenant_remove(" + name + ")", arena ->
                (int) Dpd.TENANT_REMOVE.invokeExact(handle, arena.allocateFrom(name)));
    }

    /** Replaces all limits of a tenant live; I/O over a limit waits, never fails. */
    public void setTenantLimits(String name, QosLimits l) {
        call("dpd_tenant_set_limits(" + name + ")", arena -> (int) Dpd.TENANT_SET_LIMITS.invokeExact(
                handle,
                arena.allocateFrom(name),
                l.readIops(),
                l.writeIops(),
                l.totalIops(),
                l.readBytesPerSecond(),
                l.writeBytesPerSecond(),
                l.totalBytesPerSecond(),
                l.burstIops(),
                l.burstBytes()));
    }

    /** Charges I/O to this namespace (queues connecting to its subsystem) to the tenant. */
    public void addTenantNamespace(String name, String nqn, int nsid) {
        call("dpd_tenant_ns_add(" + name + ", " + nqn + ", " + nsid + ")", arena ->
                (int) Dpd.TENANT_NS_ADD.invokeExact(handle, arena.allocateFrom(name), arena.allocateFrom(nqn), nsid));
    }

    public void removeTenantNamespace(String name, String nqn, int nsid) {
        call("dpd_tenant_ns_remove(" + name + ", " + nqn + ", " + nsid + ")", arena -> (int)
                Dpd.TENANT_NS_REMOVE.invokeExact(handle, arena.allocateFrom(name), arena.allocateFrom(nqn), nsid));
    }

    /** Takes one consistent native snapshot of every counter; close it when read. */
    public StatsSnapshot snapshot() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return StatsSnapshot.take(handle);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Destroys the engine (stopping it with the library's 5 s drain if still running). */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            Dpd.ENGINE_DESTROY.invokeExact(handle);
        } catch (Throwable t) {
            throw Dpd.rethrow(t);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @FunctionalInterface
    private interface NativeCall {
        int invoke(Arena arena) throws Throwable;
    }

    private int call(String operation, NativeCall nativeCall) {
        lifecycle.readLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            ensureOpen();
            int rc;
            try {
                rc = nativeCall.invoke(arena);
            } catch (Throwable t) {
                throw Dpd.rethrow(t);
            }
            return Dpd.check(rc, operation);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("engine already closed");
        }
    }

    private static MemorySegment cString(Arena arena, String value) {
        return value == null ? MemorySegment.NULL : arena.allocateFrom(value);
    }
}

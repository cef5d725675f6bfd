/*
 * dpudp.h - public API of the DPU native data path (NVMe/TCP target).
 *
 * This is the only header callers include. It is designed to be bound from
 * Java through the Foreign Function & Memory API as well as used from C:
 *   - every object is an opaque handle owned by the library;
 *   - arguments are plain integers, uint64_t, const char * (NUL-terminated,
 *     UTF-8, only borrowed for the duration of the call) or handle pointers;
 *   - no varargs, no structs passed by value;
 *   - every function that can fail returns 0 (or a non-negative value where
 *     documented) on success and a negative errno on failure; the text of the
 *     last failure on the calling thread is then available from
 *     dpd_last_error().
 *
 * Threading: the configuration functions (everything taking a dpd_engine *)
 * may be called from any thread; they are serialised internally and take
 * effect on the I/O threads ("reactors") through messages before they return.
 * The I/O path itself takes no locks.
 */
#ifndef DPUDP_H
#define DPUDP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DPD_BUILDING_LIBRARY)
#define DPD_API __attribute__((visibility("default")))
#else
#define DPD_API
#endif

/** Opaque engine: reactors, listeners, subsystems, controllers. */
typedef struct dpd_engine dpd_engine;
/** Opaque engine options, filled with dpd_options_set_*(). */
typedef struct dpd_options dpd_options;
/** Opaque immutable statistics snapshot. */
typedef struct dpd_stats dpd_stats;

/* ---------------------------------------------------------------- errors */

/**
 * Text describing the most recent failure of a dpd_* call on the calling
 * thread ("" if none). The string is owned by the library (thread-local
 * storage) and stays valid until the next dpd_* call on the same thread;
 * copy it if you need it longer. Never NULL.
 */
DPD_API const char *dpd_last_error(void);

/** Library version string, e.g. "0.1.0". Static storage, never freed. */
DPD_API const char *dpd_version(void);

/* ---------------------------------------------------------- capabilities */

#define DPD_CAP_AES_NI 0x1   /* CPU AES instructions (x86 AES-NI, arm64 AES): OpenSSL's XTS uses them */
#define DPD_CAP_VAES 0x2     /* x86 vector AES (VAES): wider AES-XTS in OpenSSL */
#define DPD_CAP_CRC32C 0x4   /* the CRC32 instruction computes NVMe/TCP digests in this build */
#define DPD_CAP_IO_URING 0x8 /* io_uring works for this process (kernel switch and seccomp allow it) */

/**
 * Where the library reads the node's proc and sys trees from (default "/":
 * <root>/proc/cpuinfo, <root>/proc/sys/kernel/..., <root>/sys/module,
 * <root>/sys/bus/pci/devices). An agent whose host trees are mounted elsewhere,
 * or a test with a fake tree, points it at another directory. Process-wide;
 * later dpd_capabilities() calls and offload-mode decisions use it. The string
 * is copied (at most 4095 bytes). -EINVAL if NULL, empty or too long, -ENOTDIR
 * if it is not a directory.
 */
DPD_API int dpd_set_system_root(const char *root);

/**
 * What this node can do for the data path, probed now (no engine needed). This
 * is the only authority on it: the agent reports these values, and
 * dpd_engine_set_offload_mode() decides from the same offload providers.
 *   - CPU instructions: from <root>/proc/cpuinfo (the kernel lists only what it
 *     lets processes use); DPD_CAP_CRC32C only where this build has a code path
 *     for the instruction (ISA-L: x86-64 SSE4.2 crc32, arm64 CRC extension);
 *   - io_uring: <root>/proc/sys/kernel/io_uring_disabled is not 2, the kernel
 *     (<root>/proc/sys/kernel/osrelease) is 5.1 or newer, and this process can
 *     set up a ring now (a seccomp profile may refuse it);
 *   - offload providers: every FullOffload provider whose facility exists here,
 *     comma-separated into providers (e.g. "kernel-nvmet-tcp,nvidia-bluefield";
 *     "" when none): the kernel's NVMe/TCP target (module nvmet_tcp loaded) and
 *     DPUs on PCI (NVIDIA BlueField, AMD Pensando, Intel IPU).
 * providers (caller-owned, providers_len bytes, always NUL-terminated when
 * providers_len > 0) may be NULL with providers_len 0 to skip the names.
 * Returns the DPD_CAP_* bits (>= 0), or -ERANGE when providers_len is too small
 * for the names (128 bytes hold every built-in provider).
 */
DPD_API int dpd_capabilities(char *providers, uint32_t providers_len);

/* --------------------------------------------------------------- logging */

#define DPD_LOG_DEBUG 0
#define DPD_LOG_INFO 1
#define DPD_LOG_WARN 2
#define DPD_LOG_ERROR 3

/**
 * Minimum level of messages delivered to the log sink (default
 * DPD_LOG_INFO). Process-wide. Returns -EINVAL for an unknown level.
 */
DPD_API int dpd_log_set_level(int level);

/**
 * Log sink: called once per log line with the level, the message (no
 * trailing newline; owned by the library, valid only during the call) and
 * the ctx pointer given at registration. It may be called from any library
 * thread, including the I/O threads, so it must be quick and thread-safe.
 */
typedef void (*dpd_log_fn)(int level, const char *message, void *ctx);

/**
 * Install a process-wide log sink (NULL restores the default, which writes
 * "dpudp: <message>" lines to stderr). ctx is borrowed and passed back
 * verbatim; the caller keeps it alive until the sink is replaced.
 */
DPD_API int dpd_log_set_callback(dpd_log_fn fn, void *ctx);

/* --------------------------------------------------------------- options */

/**
 * Create an options object holding the defaults. On success *out receives
 * a handle the caller owns and frees with dpd_options_destroy().
 */
DPD_API int dpd_options_create(dpd_options **out);

/* Values of the "polling" option (dpd_options_set_int). */
#define DPD_POLLING_SLEEP 0     /* block until work arrives (the default) */
#define DPD_POLLING_BUSY_POLL 1 /* never block */
#define DPD_POLLING_ADAPTIVE 2  /* never block for a short window after work, then sleep */

/** Free an options object (NULL is ignored). */
DPD_API void dpd_options_destroy(dpd_options *opts);

/**
 * Set an integer option. Known keys (defaults in brackets):
 *   "reactors"            I/O threads, 1..64                         [2]
 *   "max_kato_ms"         largest keep-alive timeout enforced for a
 *                         host; a host asking for more is held to this;
 *                         0 = use the host's value                   [120000]
 *   "max_io_queues"       I/O queues granted per controller, 1..64   [8]
 *   "max_queue_depth"     I/O queue entries (MQES+1), 16..1024       [128]
 *   "max_transfer_bytes"  MDTS, power of two 4 KiB..1 MiB            [131072]
 *   "in_capsule_bytes"    in-capsule data per I/O command, 0..65536,
 *                         multiple of 16                             [8192]
 *   "connect_timeout_ms"  a connection that has not completed ICReq
 *                         and Fabrics Connect by then is closed,
 *                         100..600000                                [10000]
 *   "io_uring"            1: storage I/O through io_uring; 0: blocking
 *                         system calls on the reactor threads (also
 *                         the automatic fallback when the kernel or a
 *                         seccomp profile refuses io_uring)          [1]
 *   "max_connections"     TCP connections served at once; more are
 *                         closed right after accept, 1..1048576      [4096]
 *   "polling"             how reactors wait for work, DPD_POLLING_*:
 *                         0 SLEEP: block in epoll_wait until work
 *                         arrives (near-zero idle CPU; each I/O pays a
 *                         scheduler wake-up); 1 BUSY_POLL: never block
 *                         (each reactor holds its CPU at 100% even with
 *                         no I/O, for nodes that dedicate cores; no
 *                         wake-up latency); 2 ADAPTIVE: poll without
 *                         blocking for 50 us after the last work, then
 *                         sleep as SLEEP does (no wake-up latency under
 *                         steady I/O, ~0 CPU when idle)              [0]
 * Unknown keys and out-of-range values return -EINVAL (the value is only
 * range-checked here; dpd_engine_create() checks the combination).
 */
DPD_API int dpd_options_set_int(dpd_options *opts, const char *key, int64_t value);

/**
 * Pin reactor threads to CPUs: reactor i runs on cpus[i % count] only. Every CPU
 * must be one this process may run on (its cpuset, e.g. a pod's), which
 * dpd_engine_create() checks (-EINVAL naming the CPU). count 0 (cpus may be
 * NULL) removes the pinning: reactors then run anywhere in the process's
 * cpuset. count at most 64, each CPU 0..1023, no duplicates; the array is
 * copied. Reactor threads are named "dpd-reactor-<i>" either way.
 */
DPD_API int dpd_options_set_reactor_cpus(dpd_options *opts, const int32_t *cpus, uint32_t count);

/* ---------------------------------------------------------------- engine */

/**
 * Create an engine from opts (NULL = defaults). opts is only read during
 * the call and may be destroyed afterwards. On success *out receives an
 * engine the caller owns; free it with dpd_engine_destroy(). Nothing runs
 * until dpd_engine_start().
 */
DPD_API int dpd_engine_create(const dpd_options *opts, dpd_engine **out);

/** Start the reactor threads. -EALREADY if already started. */
DPD_API int dpd_engine_start(dpd_engine *e);

/**
 * Number of reactor threads running now: the "reactors" option once started,
 * 0 before dpd_engine_start() and after dpd_engine_stop(). -EINVAL if e is NULL.
 */
DPD_API int dpd_engine_reactor_count(dpd_engine *e);

/**
 * Digests this target requires (0 = optional, 1 = required). NVMe/TCP lets the
 * host choose digests in its ICReq; a connection whose ICReq does not ask for a
 * required digest is refused there: the ICResp names the digests required (a
 * Linux host then reports "header digest mismatch host: disabled ctrl: enabled"
 * and its nvme connect fails), the connection is closed, a warning naming the
 * peer and the missing digest is logged and DPD_STAT_CONNECT_REFUSED_DIGEST
 * counts it. Live: applies to connections whose ICReq arrives after the call;
 * established connections keep what they negotiated. Default: none required.
 * Returns 0, or -EINVAL for a NULL engine or a value other than 0/1.
 */
DPD_API int dpd_engine_set_digest_policy(dpd_engine *e, int header_required, int data_required);

/**
 * Graceful stop: close all listeners, let in-flight commands finish and
 * their responses go out (bounded by timeout_ms), close every connection,
 * flush every file-backed namespace to stable storage, join the reactor
 * threads. Configuration (subsystems, namespaces) is kept; the engine can
 * be destroyed afterwards. Returns -ETIMEDOUT if commands were still in
 * flight when the timeout ran out (they are then dropped, unacknowledged).
 */
DPD_API int dpd_engine_stop(dpd_engine *e, uint32_t timeout_ms);

/**
 * Destroy an engine: stops it if running (5 s timeout), then frees every
 * subsystem, namespace (file-backed ones are flushed and closed) and the
 * engine itself. The handle is invalid afterwards. NULL is ignored.
 */
DPD_API void dpd_engine_destroy(dpd_engine *e);

/* ------------------------------------------------------------- listeners */

/**
 * Listen for NVMe/TCP on address:port (IPv4 or IPv6 literal; "0.0.0.0" for
 * all). The socket accepts connections when this returns. port 0 picks a
 * free port. Returns the bound port (> 0) on success, -EADDRINUSE,
 * -EINVAL (bad address), -EEXIST (same address and port already added).
 */
DPD_API int dpd_listener_add(dpd_engine *e, const char *address, int port);

/**
 * Stop listening on address:port (as passed to dpd_listener_add, with the
 * bound port). Established connections are not touched. -ENOENT if absent.
 */
DPD_API int dpd_listener_remove(dpd_engine *e, const char *address, int port);

/* ------------------------------------------------------------ subsystems */

/**
 * Add an NVM subsystem. nqn is required (max 223 bytes, "nqn." prefix);
 * serial (max 20 ASCII chars) and model (max 40) may be NULL for defaults.
 * A new subsystem allows no host until dpd_host_allow() or
 * dpd_subsystem_allow_any_host(). -EEXIST if the NQN exists, -EINVAL for
 * a malformed argument. Strings are copied.
 */
DPD_API int dpd_subsystem_add(dpd_engine *e, const char *nqn, const char *serial,
                              const char *model);

/**
 * Remove a subsystem with all its namespaces; connected controllers of it
 * are disconnected. -ENOENT if unknown.
 */
DPD_API int dpd_subsystem_remove(dpd_engine *e, const char *nqn);

/**
 * allow != 0: any host NQN may connect; allow == 0: only listed hosts.
 * Turning it off disconnects controllers of hosts that are not listed.
 */
DPD_API int dpd_subsystem_allow_any_host(dpd_engine *e, const char *nqn, int allow);

/** Add host_nqn to the allow-list of subsystem nqn. -EEXIST if present. */
DPD_API int dpd_host_allow(dpd_engine *e, const char *nqn, const char *host_nqn);

/**
 * Remove host_nqn from the allow-list; its controllers on this subsystem
 * are disconnected unless the subsystem allows any host. -ENOENT if absent.
 */
DPD_API int dpd_host_disallow(dpd_engine *e, const char *nqn, const char *host_nqn);

/* ------------------------------------------------------------ namespaces */

/**
 * Add a RAM-backed namespace (zero-filled, volatile) of size_bytes (a
 * multiple of block_size) with block_size 512 or 4096. nsid 1..1024,
 * unique in the subsystem (-EEXIST). Connected hosts get a namespace
 * change notice.
 */
DPD_API int dpd_ns_add_ram(dpd_engine *e, const char *nqn, uint32_t nsid, uint64_t size_bytes,
                           uint32_t block_size);

/**
 * Add a namespace backed by a regular file or a block device at path, I/O
 * through io_uring with O_DIRECT where the filesystem allows it (buffered
 * otherwise); Flush fdatasync()s either way. A regular file is created or
 * extended to size_bytes (a larger file is never shrunk: the namespace
 * uses its first size_bytes); a block device
 * uses its own size and size_bytes may be 0 (if non-zero it must not exceed
 * the device). The path string is copied; the file is opened here, so
 * errors such as -ENOENT or -EACCES come back from this call.
 */
DPD_API int dpd_ns_add_file(dpd_engine *e, const char *nqn, uint32_t nsid, const char *path,
                            uint64_t size_bytes, uint32_t block_size);

/**
 * Remove a namespace. Commands already in flight on it complete; file
 * backends are flushed and closed once the last one has. -ENOENT if absent.
 */
DPD_API int dpd_ns_remove(dpd_engine *e, const char *nqn, uint32_t nsid);

/* --------------------------------------------------- remote NVMe/TCP */

/**
 * Add a remote NVMe/TCP target (one subsystem) that namespaces created with
 * dpd_ns_add_remote() live on. The data path connects to it as a host:
 * ICReq (CRC32C header/data digests when header_digest/data_digest are 1),
 * Fabrics Connect as host_nqn to subsystem_nqn, CC.EN/CSTS.RDY, Identify
 * Controller (MDTS, in-capsule data size) and Identify Namespace for each of
 * its namespaces (size and LBA format checked against what was declared),
 * keep-alive, then I/O.
 *
 * Returns at once: the connection is made in the background and never blocks
 * the caller on the network. Its progress is in the stats snapshot
 * (dpd_stats_remote_state/_reason). A lost connection is made again with
 * exponential backoff (0.25 s doubling to 4 s); host I/O to its namespaces
 * waits meanwhile (queued, not failed) for up to ctrl_loss_timeout_s seconds
 * of continuous disconnection, after which it completes with the NVMe path
 * error "Host Pathing Error" (SCT 3, SC 0x70) with Do Not Retry (so a Linux
 * host fails the I/O instead of requeueing it on the same path) until the
 * remote is back.
 * name: 1..63 bytes, unique (-EEXIST); address: IPv4 or IPv6 literal; port
 * 1..65535; NQNs valid (at most 223 bytes); ctrl_loss_timeout_s 1..86400.
 * Strings are copied. -EINVAL names the bad argument in dpd_last_error().
 */
DPD_API int dpd_remote_add(dpd_engine *e, const char *name, const char *address, int port,
                           const char *subsystem_nqn, const char *host_nqn, int header_digest,
                           int data_digest, uint32_t ctrl_loss_timeout_s);

/**
 * Disconnect from a remote and forget it. -EBUSY while a namespace uses it
 * (remove those first), -ENOENT if unknown.
 */
DPD_API int dpd_remote_remove(dpd_engine *e, const char *name);

/**
 * Add namespace nsid of subsystem nqn stored on namespace remote_nsid of the
 * remote named remote (dpd_remote_add). size_bytes (a multiple of
 * block_size, > 0) and block_size (512 or 4096) are what hosts see; on every
 * connect the remote namespace must have the same block size and at least
 * size_bytes, else the remote is reported FAILED with the reason. Reads,
 * writes, Flush, Write Zeroes and Dataset Management are forwarded (splitting
 * transfers larger than the remote's MDTS); the layers above (QoS, XTS,
 * offload copies) apply before forwarding, so with a key set the remote only
 * stores ciphertext. A write is acknowledged to the host only after the
 * remote acknowledged it. -ENOENT (no subsystem or no such remote), -EEXIST,
 * -EINVAL.
 */
DPD_API int dpd_ns_add_remote(dpd_engine *e, const char *nqn, uint32_t nsid, const char *remote,
                              uint32_t remote_nsid, uint64_t size_bytes, uint32_t block_size);

/* ----------------------------------------------------------------- stats */

/* Engine-wide counters, for dpd_stats_engine(). */
#define DPD_STAT_CONNECTIONS_ACTIVE 0 /* TCP connections open now */
#define DPD_STAT_CONNECTIONS_TOTAL 1  /* accepted since start */
#define DPD_STAT_CONTROLLERS_ACTIVE 2 /* NVMe controllers now */
#define DPD_STAT_HDR_DIGEST_ERRORS 3  /* PDUs with a bad header digest */
#define DPD_STAT_DATA_DIGEST_ERRORS 4 /* PDUs with a bad data digest */
#define DPD_STAT_PROTOCOL_ERRORS 5    /* connections terminated on bad PDUs */
#define DPD_STAT_CONNECT_REFUSED 6    /* Fabrics Connects refused (host not allowed, unknown subsystem, bad parameters) */
#define DPD_STAT_KATO_EXPIRED 7       /* controllers dropped on keep-alive timeout */
#define DPD_STAT_CONNECT_REFUSED_DIGEST 8 /* connections refused at ICReq: a required digest not asked for */
#define DPD_STAT_DATA_DIGEST_BYTES 9  /* payload bytes whose CRC32C data digest was computed or checked */
#define DPD_STAT_ENGINE_COUNT 10

/* Per-namespace counters, for dpd_stats_ns(). */
#define DPD_STAT_NS_READ_OPS 0
#define DPD_STAT_NS_WRITE_OPS 1
#define DPD_STAT_NS_READ_BYTES 2
#define DPD_STAT_NS_WRITE_BYTES 3
#define DPD_STAT_NS_FLUSH_OPS 4
#define DPD_STAT_NS_OTHER_OPS 5 /* write zeroes, deallocate */
#define DPD_STAT_NS_ERRORS 6    /* commands completed with an error status */
#define DPD_STAT_NS_SIZE_BYTES 7
#define DPD_STAT_NS_COUNT 8

/**
 * Take a snapshot of all counters. On success *out receives a snapshot the
 * caller owns and frees with dpd_stats_destroy(); it does not change
 * afterwards and does not reference the engine.
 */
DPD_API int dpd_stats_snapshot(dpd_engine *e, dpd_stats **out);

/** Free a snapshot (NULL is ignored). */
DPD_API void dpd_stats_destroy(dpd_stats *s);

/** Engine-wide counter DPD_STAT_*; 0 for an unknown id. */
DPD_API uint64_t dpd_stats_engine(const dpd_stats *s, int id);

/** Number of namespaces in the snapshot (index range for the calls below). */
DPD_API int dpd_stats_ns_count(const dpd_stats *s);

/** Subsystem NQN of namespace idx; owned by the snapshot. NULL if out of range. */
DPD_API const char *dpd_stats_ns_subsystem(const dpd_stats *s, int idx);

/** NSID of namespace idx; 0 if out of range. */
DPD_API uint32_t dpd_stats_ns_nsid(const dpd_stats *s, int idx);

/** Counter DPD_STAT_NS_* of namespace idx; 0 if out of range. */
DPD_API uint64_t dpd_stats_ns(const dpd_stats *s, int idx, int id);

/* ======================================================================
 * Offload modes, encryption, tenants/QoS, telemetry
 * ====================================================================== */

/* ---------------------------------------------------------- offload modes */

#define DPD_OFFLOAD_NON_OFFLOAD 0  /* payload copied through data-path staging buffers */
#define DPD_OFFLOAD_ZERO_COPY 1    /* payload stays in the buffer it landed in */
#define DPD_OFFLOAD_FULL_OFFLOAD 2 /* an offload provider serves the I/O path */
#define DPD_OFFLOAD_FALLBACK_DEGRADE 0 /* unavailable mode: use the next lower one */
#define DPD_OFFLOAD_FALLBACK_FAIL 1    /* unavailable mode: refuse */

/**
 * Select the offload mode for all I/O of the engine (default ZeroCopy); takes
 * effect for commands started after the call. FullOffload can run when
 * dpd_capabilities() lists an offload provider. If the mode cannot run here,
 * fallback decides: DEGRADE runs the next lower mode, FAIL returns -ENOTSUP
 * and keeps the current mode. Returns the effective mode (>= 0) or -EINVAL.
 */
DPD_API int dpd_engine_set_offload_mode(dpd_engine *e, int mode, int fallback);

/** The effective offload mode (DPD_OFFLOAD_*). */
DPD_API int dpd_engine_offload_mode(dpd_engine *e);

/* ------------------------------------------------------------ encryption */

/**
 * Encrypt namespace nsid of subsystem nqn at rest with AES-256-XTS: key is
 * key_len = 64 bytes (key1 || key2, which must differ), the tweak of a block
 * is its LBA (little-endian, low 8 bytes), the data unit is the block. The
 * key bytes are copied; the caller should wipe its own copy. Data already on
 * the namespace is not converted: set the key before the first write.
 * A key replaced or cleared is wiped from memory once no I/O uses it.
 * Keys are never logged. -ENOENT (no namespace), -EINVAL (length, equal halves).
 */
DPD_API int dpd_ns_set_key(dpd_engine *e, const char *nqn, uint32_t nsid, const uint8_t *key,
                           uint32_t key_len);

/** Stop encrypting the namespace and wipe its key. -ENOENT if no namespace. */
DPD_API int dpd_ns_clear_key(dpd_engine *e, const char *nqn, uint32_t nsid);

/* ---------------------------------------------------------- tenants, QoS */

/**
 * Tenants group host NQNs and namespaces and carry QoS limits enforced on
 * this node. An I/O queue is charged to the tenant listing its host NQN,
 * else to the tenant owning a namespace of the subsystem it connected to;
 * the binding is made at Fabrics Connect. I/O over a limit waits in a queue
 * (never fails). Names: 1..63 bytes, copied. -EEXIST, -ENOENT, -EINVAL.
 */
DPD_API int dpd_tenant_add(dpd_engine *e, const char *name);

/** Remove a tenant; its connected queues continue without limits. */
DPD_API int dpd_tenant_remove(dpd_engine *e, const char *name);

/**
 * Set all limits of a tenant at once, live (connections are not touched;
 * the new rates apply to the next I/O). Rates per second, 0 = unlimited.
 * Bursts are the bucket depths (0 = 10 ms worth of the rate); burst_iops
 * applies to the IOPS limits, burst_bytes to the bandwidth limits.
 */
DPD_API int dpd_tenant_set_limits(dpd_engine *e, const char *name, uint64_t read_iops,
                                  uint64_t write_iops, uint64_t total_iops,
                                  uint64_t read_bytes_per_sec, uint64_t write_bytes_per_sec,
                                  uint64_t total_bytes_per_sec, uint64_t burst_iops,
                                  uint64_t burst_bytes);

/** Add/remove a host NQN to/from a tenant (a host belongs to at most one: -EBUSY). */
DPD_API int dpd_tenant_host_add(dpd_engine *e, const char *name, const char *host_nqn);
DPD_API int dpd_tenant_host_remove(dpd_engine *e, const char *name, const char *host_nqn);

/** Add/remove a namespace (subsystem NQN + nsid) to/from a tenant. */
DPD_API int dpd_tenant_ns_add(dpd_engine *e, const char *name, const char *nqn, uint32_t nsid);
DPD_API int dpd_tenant_ns_remove(dpd_engine *e, const char *name, const char *nqn, uint32_t nsid);

/* ------------------------------------------------------------- telemetry */

/*
 * The dpd_stats snapshot also carries, for every namespace (same index as
 * dpd_stats_ns_*), tenant and I/O queue, the counters below and two latency
 * histograms. Counters are kept per I/O thread without locks and summed when
 * the snapshot is taken; everything read from one snapshot comes from that
 * one moment.
 */
#define DPD_KIND_NS 0
#define DPD_KIND_TENANT 1
#define DPD_KIND_QUEUE 2
/* Every namespace of the engine summed (one object, idx 0): the node's whole
 * I/O, counters and histograms, without reading each namespace. */
#define DPD_KIND_NODE 4

#define DPD_IO_READ_OPS 0
#define DPD_IO_WRITE_OPS 1
#define DPD_IO_READ_BYTES 2
#define DPD_IO_WRITE_BYTES 3
#define DPD_IO_ERRORS 4          /* reads/writes completed with an error status */
#define DPD_IO_DIGEST_ERRORS 5   /* tenant and queue only */
#define DPD_IO_THROTTLED 6       /* I/Os that waited for QoS */
#define DPD_IO_THROTTLED_NS 7    /* total time they waited */
#define DPD_IO_PAYLOAD_COPIES 8  /* payload memcpy by the data path */
#define DPD_IO_COPIED_BYTES 9
#define DPD_IO_INFLIGHT 10       /* gauge: reads/writes being executed (queue depth) */
#define DPD_IO_QOS_QUEUED 11     /* gauge: of those, waiting for QoS */
#define DPD_IO_CONNECTIONS 12    /* gauge: open queues (tenant, queue) */
#define DPD_IO_FIXED_BUFFER_IOS 13 /* namespace only: backend I/O from io_uring registered buffers */
#define DPD_IO_XTS_BYTES 14      /* payload bytes encrypted (writes) or decrypted (reads) with AES-256-XTS */
#define DPD_IO_COUNT 15

#define DPD_HIST_E2E 0     /* command arrived -> response queued */
#define DPD_HIST_BACKEND 1 /* backend submit -> backend done */

/** Number of tenants / open I/O and admin queues in the snapshot. */
DPD_API int dpd_stats_tenant_count(const dpd_stats *s);
DPD_API int dpd_stats_queue_count(const dpd_stats *s);

/** Tenant name; owned by the snapshot. NULL if out of range. */
DPD_API const char *dpd_stats_tenant_name(const dpd_stats *s, int idx);

/**
 * Tenant limit in force, by the argument position of dpd_tenant_set_limits
 * (0 read_iops .. 7 burst_bytes; bursts report the effective depth).
 */
DPD_API uint64_t dpd_stats_tenant_limit(const dpd_stats *s, int idx, int limit);

/** Queue identity: subsystem and host NQN, tenant ("" if none); owned by the snapshot. */
DPD_API const char *dpd_stats_queue_subsystem(const dpd_stats *s, int idx);
DPD_API const char *dpd_stats_queue_host(const dpd_stats *s, int idx);
DPD_API const char *dpd_stats_queue_tenant(const dpd_stats *s, int idx);
/** (cntlid << 16) | qid of queue idx; 0 if out of range. */
DPD_API uint32_t dpd_stats_queue_id(const dpd_stats *s, int idx);

/** Counter DPD_IO_* of object idx of kind DPD_KIND_*; 0 if out of range. */
DPD_API uint64_t dpd_stats_io(const dpd_stats *s, int kind, int idx, int id);

/** Histogram buckets: count, and the inclusive upper bound of bucket b in ns. */
DPD_API int dpd_stats_hist_buckets(void);
DPD_API uint64_t dpd_stats_hist_bucket_upper_ns(int b);

/** Samples in bucket b of histogram hist (DPD_HIST_*) of an object. */
DPD_API uint64_t dpd_stats_hist_bucket(const dpd_stats *s, int kind, int idx, int hist, int b);

/** Sum of all samples in ns (for a mean, or Prometheus _sum). */
DPD_API uint64_t dpd_stats_hist_sum_ns(const dpd_stats *s, int kind, int idx, int hist);

/** Latency at a percentile (0 < p <= 100), ns, within 1/32 of the true value. */
DPD_API uint64_t dpd_stats_latency_ns(const dpd_stats *s, int kind, int idx, int hist, double p);

/* ----------------------------------------------------- remote state */

#define DPD_REMOTE_CONNECTING 0 /* connecting or reconnecting (reason says why not yet) */
#define DPD_REMOTE_CONNECTED 1  /* I/O flows */
#define DPD_REMOTE_FAILED 2     /* the remote refused us or does not fit: a person must act (reason) */

/* Per-remote counters, for dpd_stats_remote(). */
#define DPD_REMOTE_STAT_RECONNECTS 0        /* connections made again after a loss */
#define DPD_REMOTE_STAT_DISCONNECTED_NS 1   /* total time not connected since dpd_remote_add */
#define DPD_REMOTE_STAT_READ_OPS 2          /* host reads forwarded (completed by the remote) */
#define DPD_REMOTE_STAT_WRITE_OPS 3         /* host writes forwarded */
#define DPD_REMOTE_STAT_OTHER_OPS 4         /* Flush, Write Zeroes, Dataset Management forwarded */
#define DPD_REMOTE_STAT_READ_BYTES 5
#define DPD_REMOTE_STAT_WRITE_BYTES 6
#define DPD_REMOTE_STAT_ERRORS_GENERIC 7    /* commands the remote failed: status code type 0 */
#define DPD_REMOTE_STAT_ERRORS_COMMAND 8    /* type 1, command specific */
#define DPD_REMOTE_STAT_ERRORS_MEDIA 9      /* type 2, media and data integrity */
#define DPD_REMOTE_STAT_ERRORS_PATH 10      /* type 3, path related (incl. ours after ctrl loss) */
#define DPD_REMOTE_STAT_ERRORS_TRANSPORT 11 /* connections lost: transport errors, digest errors, bad PDUs */
#define DPD_REMOTE_STAT_QUEUED 12           /* gauge: host I/Os waiting for the connection */
#define DPD_REMOTE_STAT_COUNT 13

/* Histogram kind for dpd_stats_hist_*(): DPD_KIND_REMOTE with hist
 * DPD_HIST_BACKEND is the remote round trip (command sent -> the remote's
 * completion received) of the remote at index idx (dpd_stats_remote_*). */
#define DPD_KIND_REMOTE 3

/** Number of remotes in the snapshot (index range for the calls below). */
DPD_API int dpd_stats_remote_count(const dpd_stats *s);

/** Name of remote idx; owned by the snapshot. NULL if out of range. */
DPD_API const char *dpd_stats_remote_name(const dpd_stats *s, int idx);

/** DPD_REMOTE_CONNECTING/_CONNECTED/_FAILED of remote idx; -1 if out of range. */
DPD_API int dpd_stats_remote_state(const dpd_stats *s, int idx);

/**
 * Why remote idx is not connected, saying what to do (e.g. "remote
 * 10.0.0.5:4420 refused host nqn.X for subsystem nqn.Y (Connect status
 * 0x184): allow this host on the remote target"); "" when connected. Owned
 * by the snapshot. NULL if out of range.
 */
DPD_API const char *dpd_stats_remote_reason(const dpd_stats *s, int idx);

/** Counter DPD_REMOTE_STAT_* of remote idx; 0 if out of range. */
DPD_API uint64_t dpd_stats_remote(const dpd_stats *s, int idx, int id);
/* --------------------------------------------------------------- reactors */

/*
 * Each reactor (I/O thread) counts where its time goes: busy handling events
 * (network, backend completions, QoS, messages) or idle waiting for them in
 * epoll_wait. busy / (busy + idle) is the thread's load; a reactor near 1
 * is the data path's limit on that node.
 */
#define DPD_REACTOR_BUSY_NS 0
#define DPD_REACTOR_IDLE_NS 1
#define DPD_REACTOR_STAT_COUNT 2

/** Number of reactors in the snapshot (index range for dpd_stats_reactor). */
DPD_API int dpd_stats_reactor_count(const dpd_stats *s);

/** Counter DPD_REACTOR_* of reactor idx, ns; 0 if out of range. */
DPD_API uint64_t dpd_stats_reactor(const dpd_stats *s, int idx, int id);

#ifdef __cplusplus
}
#endif

#endif /* DPUDP_H */

/*
 * Offload modes and what each one does with a payload.
 *
 *   NonOffload  - the "all data through the embedded CPU" path: the payload is copied
 *                 from the network buffer into a staging buffer owned by the data path,
 *                 processed there (encryption), and copied again into the buffer the
 *                 backend uses; reads go the same way back. Two payload copies per I/O.
 *   ZeroCopy    - the payload lands once in a (registered) buffer and that same buffer
 *                 goes to the backend; encryption, if on, is a single in-place pass.
 *                 No payload copies.
 *   FullOffload - an offload provider (hardware, or the kernel's nvmet target) takes over
 *                 the I/O path. Providers register an ops table; none exists on a machine
 *                 without such hardware, and then the mode is reported unavailable and
 *                 the caller applies the profile's fallback policy.
 *
 * Every copy made here is counted (copies, bytes) so the difference between modes is
 * measured, not claimed.
 */
#ifndef DPD_OFFLOAD_H
#define DPD_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "layers/xts.h"
#include "telemetry/io_stats.h"

enum dpd_offload_mode {
	DPD_MODE_NON_OFFLOAD = 0,
	DPD_MODE_ZERO_COPY = 1,
	DPD_MODE_FULL_OFFLOAD = 2,
};

enum dpd_offload_fallback {
	DPD_FALLBACK_DEGRADE = 0, /* use the next lower mode */
	DPD_FALLBACK_FAIL = 1,    /* refuse to run in a lower mode */
};

/* A FullOffload provider: a static ops table with designated initializers. */
struct dpd_offload_provider {
	const char *name;
	/* True when the hardware/kernel facility exists on this machine. */
	bool (*probe)(void);
	/* Take over serving a subsystem's namespaces; 0 or negative errno. NULL when this
	 * build can find the facility but has no driver to hand the I/O path to it: such a
	 * provider is reported (dpd_capabilities) but never runs FullOffload. */
	int (*attach)(const char *subnqn);
	void (*detach)(const char *subnqn);
};

/* The providers this library knows (offload_providers.c), probed under the system root. */
extern const struct dpd_offload_provider *const dpd_offload_builtin[];
extern const int dpd_offload_nbuiltin;

/* Register a further provider (at start-up, before engines are created). -ENOSPC when full. */
int dpd_offload_register_provider(const struct dpd_offload_provider *p);

/* First provider (built-in, then registered) whose probe succeeds and that can take the
 * I/O path over (has attach), or NULL: the one FullOffload would run on. */
const struct dpd_offload_provider *dpd_offload_find_provider(void);

/* Every provider whose probe succeeds (found on this node, driver or not), in that order,
 * up to max; returns how many. */
int dpd_offload_present_providers(const struct dpd_offload_provider **out, int max);

/*
 * Decide the mode to run: the requested one when it can run here, else the fallback
 * (Degrade: FullOffload -> ZeroCopy). Returns 0 with *effective set, -ENOTSUP when the
 * policy is Fail and the mode is unavailable, -EINVAL for an unknown mode/policy.
 */
int dpd_offload_resolve_mode(int requested, int fallback, int *effective);

const char *dpd_offload_mode_name(int mode);

/* Why FullOffload cannot run here, for log and error text: "no offload provider" or
 * "<names> found, but this build has no driver that takes the I/O path over". */
void dpd_offload_why_unavailable(char *buf, size_t len);

/* ---- payload handling on the I/O path ---- */

/* Staging buffers of one reactor (NonOffload). Single-threaded free list. */
struct dpd_staging_pool {
	uint8_t **free;
	uint32_t nfree, nbufs, cap;
	uint32_t buf_size;
};

int dpd_staging_pool_init(struct dpd_staging_pool *p, uint32_t buf_size, uint32_t prealloc, uint32_t cap);
void dpd_staging_pool_fini(struct dpd_staging_pool *p);
/* NULL when the pool is exhausted (the caller retries when one is returned). */
uint8_t *dpd_staging_get(struct dpd_staging_pool *p);
void dpd_staging_put(struct dpd_staging_pool *p, uint8_t *buf);

/* What the payload hooks need to know about one I/O. */
struct dpd_payload_io {
	int mode;                   /* effective mode */
	struct dpd_xts_key *key;    /* NULL: namespace not encrypted */
	uint64_t slba;
	uint32_t block_size;
	uint8_t *buf;               /* the request's data buffer (network side) */
	uint32_t len;
	/* This thread's counter slots of the objects the I/O is counted against
	 * (namespace, tenant, queue); NULL entries are skipped. */
	struct dpd_io_counters *stats[3];
};

/*
 * Before a write goes to the backend: after this, io->buf holds what the backend must
 * store (ciphertext if a key is set). NonOffload copies buf -> staging, encrypts there,
 * copies staging -> buf (the backend-facing buffer); ZeroCopy encrypts buf in place.
 * Returns 0, -EAGAIN (no staging buffer free: retry later), or -EIO (cipher failure).
 */
int dpd_payload_before_write(struct dpd_payload_io *io, struct dpd_staging_pool *pool);

/* After a backend read into io->buf: make io->buf hold the plaintext for the host.
 * Blocks the backend returns as all zeros (zeroed or deallocated ranges) stay zeros. */
int dpd_payload_after_read(struct dpd_payload_io *io, struct dpd_staging_pool *pool);

#endif

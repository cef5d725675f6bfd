/* layers_config.h - the parts of the standalone target's config file that the
 * I/O-path layers read: "offload" (mode, fallback, pool-wide encryption key
 * file), "tenants" (names, limits, optional host lists), each subsystem's
 * "tenant" (its hosts and namespaces belong to that tenant) and a namespace's own
 * "keyFile". Same JSON as config.c reads, shaped like the rendered config the
 * operator produces (docs: contract-rendered-config). Also the stats file the
 * target writes on SIGUSR1. */
#ifndef DPD_LAYERS_CONFIG_H
#define DPD_LAYERS_CONFIG_H

#include <stddef.h>

#include "dpudp.h"

/* Apply offload mode, keys and tenants from the config file at path to e (after
 * config_apply created subsystems and namespaces). -1 with "field: reason" in err. */
int layers_config_apply_file(const char *path, dpd_engine *e, char *err, size_t cap);

/* Re-read the tenants of the config file and apply the differences live:
 * new/removed tenants, limits, tenant host lists. Connections stay up. */
int layers_config_reload_tenants(const char *path, dpd_engine *e, char *err, size_t cap);

/* Write one stats snapshot as JSON to path (written to a temporary file and renamed,
 * so readers never see half a file). 0 or -1 with err set. */
int layers_write_stats(dpd_engine *e, const char *path, char *err, size_t cap);

/* Read an AES-256-XTS key file: 64 raw bytes, or 128 hex digits (optional newline).
 * 0 on success; the caller wipes key afterwards. */
int layers_read_key_file(const char *path, unsigned char key[64], char *err, size_t cap);

#endif

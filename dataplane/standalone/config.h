/* config.h - the standalone target's JSON config file: the dataplane.json
 * contract the operator renders (operator/api, dev.dpu.storage.api.dataplane)
 * plus a few standalone-only fields (docs/standalone-target.md). Used only by
 * dpu-target and its tests; the library itself is configured through the
 * dpudp.h API. tests/test_config.c holds the contract dialect to the same
 * fixture files as the Java reader. */
#ifndef DPD_TARGET_CONFIG_H
#define DPD_TARGET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "dpudp.h"

enum cfg_backend { CFG_RAM, CFG_FILE, CFG_NVME_TCP };

struct cfg_ns {
	uint32_t nsid;
	int is_file;
	enum cfg_backend backend;
	char path[4096];
	char remote[64];      /* nvme-tcp: name of a remotes[] entry */
	uint32_t remote_nsid; /* nvme-tcp: "remoteNsid", default nsid */
	uint64_t size;
	uint32_t block_size;
};

struct cfg_subsys {
	char nqn[224];
	char serial[21];
	char model[41];
	int allow_any;
	int nhosts;
	char (*hosts)[224];
	int nns;
	struct cfg_ns *ns;
};

/* "remotes[]": a remote NVMe/TCP target nvme-tcp namespaces live on. */
struct cfg_remote {
	char name[64];
	char address[64];
	int port;			/* default 4420 */
	char subsystem_nqn[224];
	int header_digest, data_digest; /* default false */
	uint32_t ctrl_loss_timeout_s;	/* default 600 */
};

#define CFG_MAX_REACTORS 64

struct cfg {
	char address[64];
	int port;
	int reactors;		     /* "reactors", default 1 */
	int ncpus;		     /* "reactorCpus": 0 = no pinning, else == reactors */
	int cpus[CFG_MAX_REACTORS];
	int polling;		     /* "reactorPolling": DPD_POLLING_*, default SLEEP */
	/* "offload" engine options given in the file (0, in-capsule -1: not given: the engine's default) */
	int64_t max_io_queues, max_queue_depth, in_capsule_bytes, max_transfer_bytes;
	int require_header_digest; /* "offload.requireHeaderDigest" */
	int require_data_digest;   /* "offload.requireDataDigest" */
	int64_t kato_ms; /* standalone only; -1: not given */
	char host_nqn[224]; /* "hostNqn"; empty: config_default_host_nqn() */
	int nremotes;
	struct cfg_remote *remotes;
	int nsubs;
	struct cfg_subsys *subs;
};

/* Parsers return -1 with "FIELD: reason" in err on a refused config. */
/* Shared by the config loaders: writes "FIELD: why" into err and returns -1. */
int config_error(char *err, size_t cap, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fails with "FIELD: unknown field" for a key of object o not in the NULL-terminated known. */
struct json_object;
int config_check_keys(struct json_object *o, const char *field, const char *const *known, char *err,
		      size_t cap);

/* Which fields are known: the contract alone (what the agent reads), or the
 * contract plus the standalone target's own fields (keepAliveTimeoutMs,
 * subsystem serial/model, namespace keyFile, tenant hosts). */
enum config_dialect { CONFIG_CONTRACT, CONFIG_STANDALONE };

/* Parse and validate a JSON text or file (standalone dialect for the file). */
int config_parse_text(const char *json, enum config_dialect dialect, struct cfg *out, char *err, size_t cap);
int config_parse_file(const char *path, struct cfg *out, char *err, size_t cap);
/* config_parse_text in the standalone dialect (tests). */
int config_parse_string(const char *json, struct cfg *out, char *err, size_t cap);
/* The host NQN remotes see when the config names none: derived from
 * /etc/machine-id (nqn.2014-08.org.nvmexpress:uuid:...), else the host name. */
void config_default_host_nqn(char *out, size_t cap);
/* Create remotes, subsystems, hosts and namespaces on e. */
int config_apply(const struct cfg *c, dpd_engine *e, char *err, size_t cap);
void config_free(struct cfg *c);

#endif

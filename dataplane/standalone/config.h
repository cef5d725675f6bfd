/* config.h - the standalone target's JSON config file (see
 * docs/standalone-target.md). Used only by dpu-target and its tests; the
 * library itself is configured through the dpudp.h API. */
#ifndef DPD_TARGET_CONFIG_H
#define DPD_TARGET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "dpudp.h"

struct cfg_ns {
	uint32_t nsid;
	int is_file;
	char path[4096];
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

struct cfg {
	char address[64];
	int port;
	int reactors;
	int32_t reactor_cpus[64]; /* reactorCpus: reactor i on reactor_cpus[i % n] */
	uint32_t nreactor_cpus;
	int64_t kato_ms; /* -1: not given */
	int nsubs;
	struct cfg_subsys *subs;
};

/* Parse and validate FILE. On error returns -1 with a message naming the
 * field and the reason in err. */
/* Shared by the config loaders: writes "FIELD: why" into err and returns -1. */
int config_error(char *err, size_t cap, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fails with "FIELD: unknown field" for a key of object o not in the NULL-terminated known. */
struct json_object;
int config_check_keys(struct json_object *o, const char *field, const char *const *known, char *err,
		      size_t cap);

int config_parse_file(const char *path, struct cfg *out, char *err, size_t cap);
/* Same, from a JSON string (tests). */
int config_parse_string(const char *json, struct cfg *out, char *err, size_t cap);
/* Create subsystems, hosts and namespaces on e. */
int config_apply(const struct cfg *c, dpd_engine *e, char *err, size_t cap);
void config_free(struct cfg *c);

#endif

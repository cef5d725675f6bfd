/* config.c - JSON config (json-c) for dpu-target: parse, validate every
 * field with a message that names it, then apply through the public API. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int config_error(char *err, size_t cap, const char *field, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, cap, "%s: %s", field, why);
	return -1;
}

int config_check_keys(json_object *o, const char *field, const char *const *known, char *err, size_t cap)
{
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		int ok = 0;
		for (int i = 0; known[i] && !ok; i++)
			ok = strcmp(known[i], key) == 0;
		if (!ok)
			return config_error(err, cap, field, "unknown field \"%s\"", key);
	}
	return 0;
}

/* The contract's keys, then (standalone dialect only) the superset's. */
static int check_keys2(json_object *o, const char *field, const char *const *contract,
		       const char *const *superset, enum config_dialect d, char *err, size_t cap)
{
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		int ok = 0;
		for (int i = 0; contract[i] && !ok; i++)
			ok = strcmp(contract[i], key) == 0;
		for (int i = 0; d == CONFIG_STANDALONE && superset && superset[i] && !ok; i++)
			ok = strcmp(superset[i], key) == 0;
		if (!ok)
			return config_error(err, cap, field, "unknown field \"%s\"", key);
	}
	return 0;
}

/* A member, or NULL when absent or JSON null (the contract reads null as absent). */
static json_object *member(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static void path_of(char *f, size_t n, const char *field, const char *key)
{
	if (!field[0] || field[0] == '(')
		snprintf(f, n, "%s", key);
	else
		snprintf(f, n, "%s.%s", field, key);
}

/* 1: got it, 0: absent (out untouched, unless required), -1: refused. */
static int get_int(json_object *o, const char *key, const char *field, int64_t min, int64_t max,
		   int64_t *out, int required, char *err, size_t cap)
{
	json_object *v = member(o, key);
	char f[400];
	path_of(f, sizeof(f), field, key);
	if (!v) {
		if (required)
			return config_error(err, cap, f, "missing (required)");
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return config_error(err, cap, f, "must be an integer");
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (errno)
		return config_error(err, cap, f, "must be an integer");
	if (x < min || x > max)
		return config_error(err, cap, f, "%lld is out of range %lld..%lld", (long long)x, (long long)min,
				    (long long)max);
	*out = x;
	return 1;
}

static int get_str(json_object *o, const char *key, const char *field, char *out, size_t outcap,
		   int required, char *err, size_t cap)
{
	json_object *v = member(o, key);
	char f[400];
	path_of(f, sizeof(f), field, key);
	if (!v) {
		if (required)
			return config_error(err, cap, f, "missing (required)");
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return config_error(err, cap, f, "must be a string");
	const char *s = json_object_get_string(v);
	if (!*s && required)
		return config_error(err, cap, f, "missing (required)");
	if (!*s || strlen(s) >= outcap)
		return config_error(err, cap, f, "must be 1..%zu characters", outcap - 1);
	snprintf(out, outcap, "%s", s);
	return 1;
}

static int get_bool(json_object *o, const char *key, const char *field, int *out, char *err, size_t cap)
{
	json_object *v = member(o, key);
	char f[400];
	path_of(f, sizeof(f), field, key);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return config_error(err, cap, f, "must be true or false");
	*out = json_object_get_boolean(v);
	return 1;
}

/* An optional member that must be an array (its elements are checked by the caller). */
static int get_array(json_object *o, const char *key, const char *field, json_object **out, char *err,
		     size_t cap)
{
	char f[400];
	path_of(f, sizeof(f), field, key);
	*out = member(o, key);
	if (*out && !json_object_is_type(*out, json_type_array))
		return config_error(err, cap, f, "must be an array");
	return *out ? 1 : 0;
}

static int get_object(json_object *o, const char *key, const char *field, json_object **out, char *err,
		      size_t cap)
{
	char f[400];
	path_of(f, sizeof(f), field, key);
	*out = member(o, key);
	if (*out && !json_object_is_type(*out, json_type_object))
		return config_error(err, cap, f, "must be a JSON object");
	return *out ? 1 : 0;
}

/* NVMe base spec: "nqn.yyyy-mm.reverse.domain[:name]", at most 223 bytes; the
 * same rule as the Java contract's DataplaneConfigValidator.isValidNqn. */
static int nqn_valid(const char *s)
{
	size_t n = strlen(s);
	if (n > 223 || strncmp(s, "nqn.", 4) != 0 || n < 12)
		return 0;
	const char *p = s + 4;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)p[i]))
			return 0;
	if (p[4] != '-' || !isdigit((unsigned char)p[5]) || !isdigit((unsigned char)p[6]) || p[7] != '.')
		return 0;
	int month = (p[5] - '0') * 10 + (p[6] - '0');
	if (month < 1 || month > 12)
		return 0;
	p += 8;
	const char *colon = strchr(p, ':');
	size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
	if (dlen == 0 || !isalnum((unsigned char)p[0]) || !isalnum((unsigned char)p[dlen - 1]))
		return 0;
	for (size_t i = 0; i < dlen; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '-')
			return 0;
	if (colon && (!colon[1] || strpbrk(colon, "\r\n")))
		return 0;
	return 1;
}

/* "remote"/"remoteNsid": only on nvme-tcp namespaces, where remote is
 * required (checked against remotes[] by the caller). */
static int parse_ns_remote(json_object *o, const char *field, struct cfg_ns *ns, char *err, size_t cap)
{
	char f[400];
	int64_t v = ns->nsid;
	int got = get_str(o, "remote", field, ns->remote, sizeof(ns->remote), 0, err, cap);
	if (got < 0)
		return -1;
	path_of(f, sizeof(f), field, "remote");
	if (ns->backend != CFG_NVME_TCP && got)
		return config_error(err, cap, f, "only an nvme-tcp namespace has a remote");
	if (ns->backend == CFG_NVME_TCP && !got)
		return config_error(err, cap, f, "missing (required for an nvme-tcp namespace)");
	got = get_int(o, "remoteNsid", field, 1, 0xFFFFFFFEll, &v, 0, err, cap);
	if (got < 0)
		return -1;
	path_of(f, sizeof(f), field, "remoteNsid");
	if (ns->backend != CFG_NVME_TCP && got)
		return config_error(err, cap, f, "only an nvme-tcp namespace has a remoteNsid");
	ns->remote_nsid = (uint32_t)v;
	return 0;
}

static int parse_ns(json_object *o, const char *field, enum config_dialect d, struct cfg_ns *ns, char *err,
		    size_t cap)
{
	static const char *const known[] = { "nsid",	   "volume",	 "backend",   "path",
					     "remote", "remoteNsid", "sizeBytes", "blockSize", NULL };
	static const char *const superset[] = { "keyFile" /* feature_config.c */, NULL };
	char backend[16], volume[256], f[400];
	int64_t v;
	if (!o)
		return config_error(err, cap, field, "must not be null");
	if (!json_object_is_type(o, json_type_object))
		return config_error(err, cap, field, "must be a JSON object");
	if (check_keys2(o, field, known, superset, d, err, cap) < 0)
		return -1;
	if (get_int(o, "nsid", field, 1, 1024, &v, 1, err, cap) < 0)
		return -1;
	ns->nsid = (uint32_t)v;
	if (get_str(o, "volume", field, volume, sizeof(volume), 0, err, cap) < 0)
		return -1;
	if (get_str(o, "backend", field, backend, sizeof(backend), 1, err, cap) < 0) {
		path_of(f, sizeof(f), field, "backend");
		json_object *b = member(o, "backend");
		if (b && json_object_is_type(b, json_type_string))
			return config_error(err, cap, f, "\"%s\" is not one of ram, file, nvme-tcp",
					    json_object_get_string(b));
		return -1;
	}
	if (strcmp(backend, "ram") == 0) {
		ns->backend = CFG_RAM;
	} else if (strcmp(backend, "file") == 0) {
		ns->backend = CFG_FILE;
	} else if (strcmp(backend, "nvme-tcp") == 0) {
		ns->backend = CFG_NVME_TCP;
	} else {
		path_of(f, sizeof(f), field, "backend");
		return config_error(err, cap, f, "\"%s\" is not one of ram, file, nvme-tcp", backend);
	}
	ns->is_file = ns->backend == CFG_FILE;
	if (parse_ns_remote(o, field, ns, err, cap) < 0)
		return -1;
	v = 512;
	if (get_int(o, "blockSize", field, INT32_MIN, INT32_MAX, &v, 0, err, cap) < 0)
		return -1;
	if (v != 512 && v != 4096) {
		path_of(f, sizeof(f), field, "blockSize");
		return config_error(err, cap, f, "%lld must be 512 or 4096", (long long)v);
	}
	ns->block_size = (uint32_t)v;
	v = 0;
	if (get_int(o, "sizeBytes", field, INT64_MIN, INT64_MAX, &v, 0, err, cap) < 0)
		return -1;
	path_of(f, sizeof(f), field, "sizeBytes");
	if (v < 0)
		return config_error(err, cap, f, "%lld is negative", (long long)v);
	if (v % ns->block_size)
		return config_error(err, cap, f, "%lld is not a multiple of blockSize %u", (long long)v, ns->block_size);
	if (!ns->is_file && v == 0)
		return config_error(err, cap, f, "missing (required for %s namespace)",
				    ns->backend == CFG_RAM ? "a ram" : "an nvme-tcp");
	ns->size = (uint64_t)v;
	int has_path = get_str(o, "path", field, ns->path, sizeof(ns->path), 0, err, cap);
	if (has_path < 0)
		return -1;
	path_of(f, sizeof(f), field, "path");
	if (!ns->is_file && has_path)
		return config_error(err, cap, f, "only a file namespace has a path");
	if (ns->is_file && !has_path)
		return config_error(err, cap, f, "missing (required for a file namespace)");
	if (ns->is_file && ns->path[0] != '/')
		return config_error(err, cap, f, "\"%s\" must be an absolute path", ns->path);
	return 0;
}

static int parse_hosts(json_object *arr, const char *field, struct cfg_subsys *ss, char *err, size_t cap)
{
	size_t n = json_object_array_length(arr);
	ss->hosts = calloc(n ? n : 1, sizeof(*ss->hosts));
	if (!ss->hosts)
		return config_error(err, cap, field, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(arr, i);
		char hf[512];
		snprintf(hf, sizeof(hf), "%s[%zu]", field, i);
		if (!h)
			return config_error(err, cap, hf, "must not be null");
		if (!json_object_is_type(h, json_type_string))
			return config_error(err, cap, hf, "must be a string");
		const char *nqn = json_object_get_string(h);
		if (!nqn_valid(nqn))
			return config_error(err, cap, hf, "\"%s\" is not a valid host NQN", nqn);
		for (int k = 0; k < ss->nhosts; k++)
			if (strcmp(ss->hosts[k], nqn) == 0)
				return config_error(err, cap, hf, "\"%s\" is listed twice", nqn);
		snprintf(ss->hosts[ss->nhosts++], sizeof(ss->hosts[0]), "%s", nqn);
	}
	return 0;
}

static int parse_subsys(json_object *o, const char *field, enum config_dialect d, struct cfg_subsys *ss,
			char *err, size_t cap)
{
	static const char *const known[] = { "nqn", "tenant", "allowAnyHost", "hosts", "namespaces", NULL };
	static const char *const superset[] = { "serial", "model", NULL };
	json_object *arr;
	char f[400], tenant[256];
	if (!o)
		return config_error(err, cap, field, "must not be null");
	if (!json_object_is_type(o, json_type_object))
		return config_error(err, cap, field, "must be a JSON object");
	if (check_keys2(o, field, known, superset, d, err, cap) < 0)
		return -1;
	json_object *nqn = member(o, "nqn");
	path_of(f, sizeof(f), field, "nqn");
	if (!nqn)
		return config_error(err, cap, f, "missing (required)");
	if (!json_object_is_type(nqn, json_type_string))
		return config_error(err, cap, f, "must be a string");
	if (!nqn_valid(json_object_get_string(nqn)))
		return config_error(err, cap, f,
				    "\"%s\" is not a valid NQN (expected nqn.yyyy-mm.reverse.domain[:name], at most 223 bytes)",
				    json_object_get_string(nqn));
	snprintf(ss->nqn, sizeof(ss->nqn), "%s", json_object_get_string(nqn));
	if (strcmp(ss->nqn, "nqn.2014-08.org.nvmexpress.discovery") == 0)
		return config_error(err, cap, f, "the discovery subsystem is built in and cannot be configured");
	json_object *t = member(o, "tenant");
	path_of(f, sizeof(f), field, "tenant");
	if (t && json_object_is_type(t, json_type_string) && !json_object_get_string(t)[0])
		return config_error(err, cap, f, "empty (leave it out for no tenant)");
	if (get_str(o, "tenant", field, tenant, sizeof(tenant), 0, err, cap) < 0 ||
	    get_str(o, "serial", field, ss->serial, sizeof(ss->serial), 0, err, cap) < 0 ||
	    get_str(o, "model", field, ss->model, sizeof(ss->model), 0, err, cap) < 0 ||
	    get_bool(o, "allowAnyHost", field, &ss->allow_any, err, cap) < 0)
		return -1;
	path_of(f, sizeof(f), field, "hosts");
	int got = get_array(o, "hosts", field, &arr, err, cap);
	if (got < 0 || (got && parse_hosts(arr, f, ss, err, cap) < 0))
		return -1;
	path_of(f, sizeof(f), field, "namespaces");
	got = get_array(o, "namespaces", field, &arr, err, cap);
	if (got < 0)
		return -1;
	if (got) {
		size_t n = json_object_array_length(arr);
		ss->ns = calloc(n ? n : 1, sizeof(*ss->ns));
		if (!ss->ns)
			return config_error(err, cap, f, "out of memory");
		for (size_t i = 0; i < n; i++) {
			char nf[512], idf[600];
			snprintf(nf, sizeof(nf), "%s[%zu]", f, i);
			if (parse_ns(json_object_array_get_idx(arr, i), nf, d, &ss->ns[ss->nns], err, cap) < 0)
				return -1;
			snprintf(idf, sizeof(idf), "%s.nsid", nf);
			for (int k = 0; k < ss->nns; k++)
				if (ss->ns[k].nsid == ss->ns[ss->nns].nsid)
					return config_error(err, cap, idf, "%u is used twice in this subsystem",
							    ss->ns[k].nsid);
			ss->nns++;
		}
	}
	return 0;
}

static int parse_offload(json_object *o, struct cfg *c, char *err, size_t cap)
{
	static const char *const known[] = { "mode", "fallback", "requireHeaderDigest", "requireDataDigest",
					     "queues", "queueDepth", "inCapsuleDataBytes", "maxTransferBytes",
					     "encryption", NULL };
	static const char *const known_enc[] = { "algorithm", "keySecret", "keyFile", NULL };
	char mode[32] = "ZeroCopy", fallback[32] = "Degrade", s[4096];
	int64_t v;
	json_object *enc;
	if (check_keys2(o, "offload", known, NULL, CONFIG_CONTRACT, err, cap) < 0)
		return -1;
	if (get_str(o, "mode", "offload", mode, sizeof(mode), 0, err, cap) < 0)
		return -1;
	if (strcmp(mode, "NonOffload") && strcmp(mode, "ZeroCopy") && strcmp(mode, "FullOffload"))
		return config_error(err, cap, "offload.mode", "\"%s\" is not one of NonOffload, ZeroCopy, FullOffload",
				    mode);
	if (get_str(o, "fallback", "offload", fallback, sizeof(fallback), 0, err, cap) < 0)
		return -1;
	if (strcmp(fallback, "Degrade") && strcmp(fallback, "Fail"))
		return config_error(err, cap, "offload.fallback", "\"%s\" is not one of Degrade, Fail", fallback);
	if (get_bool(o, "requireHeaderDigest", "offload", &c->require_header_digest, err, cap) < 0 ||
	    get_bool(o, "requireDataDigest", "offload", &c->require_data_digest, err, cap) < 0 ||
	    get_int(o, "queues", "offload", 1, 64, &c->max_io_queues, 0, err, cap) < 0 ||
	    get_int(o, "queueDepth", "offload", 16, 1024, &c->max_queue_depth, 0, err, cap) < 0)
		return -1;
	v = 8192;
	int got = get_int(o, "inCapsuleDataBytes", "offload", 0, 65536, &v, 0, err, cap);
	if (got < 0)
		return -1;
	if (v % 16)
		return config_error(err, cap, "offload.inCapsuleDataBytes", "%lld is not a multiple of 16", (long long)v);
	if (got)
		c->in_capsule_bytes = v;
	v = 131072;
	if (get_int(o, "maxTransferBytes", "offload", 4096, 1048576, &c->max_transfer_bytes, 0, err, cap) < 0)
		return -1;
	if (c->max_transfer_bytes)
		v = c->max_transfer_bytes;
	if (v & (v - 1))
		return config_error(err, cap, "offload.maxTransferBytes", "%lld is not a power of two", (long long)v);
	got = get_object(o, "encryption", "offload", &enc, err, cap);
	if (got <= 0)
		return got; /* absent: no encryption */
	if (check_keys2(enc, "offload.encryption", known_enc, NULL, CONFIG_CONTRACT, err, cap) < 0)
		return -1;
	snprintf(s, sizeof(s), "AES-256-XTS");
	if (get_str(enc, "algorithm", "offload.encryption", s, sizeof(s), 0, err, cap) < 0)
		return -1;
	if (strcmp(s, "AES-256-XTS"))
		return config_error(err, cap, "offload.encryption.algorithm", "\"%s\" is not supported (AES-256-XTS is)", s);
	if (get_str(enc, "keySecret", "offload.encryption", s, sizeof(s), 0, err, cap) < 0 ||
	    get_str(enc, "keyFile", "offload.encryption", s, sizeof(s), 1, err, cap) < 0)
		return -1;
	if (s[0] != '/')
		return config_error(err, cap, "offload.encryption.keyFile", "\"%s\" must be an absolute path", s);
	if (strcmp(mode, "FullOffload") == 0)
		return config_error(err, cap, "offload.encryption",
				    "the software data path encrypts, so it cannot be combined with mode FullOffload");
	return 0;
}

static int parse_tenants(json_object *arr, enum config_dialect d, char *err, size_t cap)
{
	static const char *const known[] = { "name", "limits", NULL };
	static const char *const superset[] = { "hosts" /* feature_config.c */, NULL };
	static const char *const limits[] = { "readIops", "writeIops", "totalIops", "readBytesPerSecond",
					      "writeBytesPerSecond", "totalBytesPerSecond", "burstIops", "burstBytes",
					      NULL };
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(arr, i), *l;
		char f[64], name[256];
		int64_t v;
		snprintf(f, sizeof(f), "tenants[%zu]", i);
		if (!t)
			return config_error(err, cap, f, "must not be null");
		if (!json_object_is_type(t, json_type_object))
			return config_error(err, cap, f, "must be a JSON object");
		if (check_keys2(t, f, known, superset, d, err, cap) < 0 ||
		    get_str(t, "name", f, name, sizeof(name), 1, err, cap) < 0)
			return -1;
		for (size_t k = 0; k < i; k++) {
			json_object *other = member(json_object_array_get_idx(arr, k), "name");
			if (other && strcmp(json_object_get_string(other), name) == 0) {
				char nf[80];
				snprintf(nf, sizeof(nf), "%s.name", f);
				return config_error(err, cap, nf, "tenant \"%s\" is listed twice", name);
			}
		}
		char lf[80];
		snprintf(lf, sizeof(lf), "%s.limits", f);
		if (get_object(t, "limits", f, &l, err, cap) < 0)
			return -1;
		if (!l)
			continue;
		if (check_keys2(l, lf, limits, NULL, CONFIG_CONTRACT, err, cap) < 0)
			return -1;
		for (int k = 0; limits[k]; k++) {
			if (get_int(l, limits[k], lf, INT64_MIN, INT64_MAX, &v, 0, err, cap) < 0)
				return -1;
			if (member(l, limits[k]) && v < 0)
				return config_error(err, cap, lf, "negative limit %lld (0 means unlimited)", (long long)v);
		}
	}
	return 0;
}

static int parse_cpus(json_object *arr, struct cfg *c, char *err, size_t cap)
{
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *x = json_object_array_get_idx(arr, i);
		char f[64];
		snprintf(f, sizeof(f), "reactorCpus[%zu]", i);
		if (!x)
			return config_error(err, cap, f, "must not be null");
		if (!json_object_is_type(x, json_type_int))
			return config_error(err, cap, f, "must be an integer");
		int64_t cpu = json_object_get_int64(x);
		if (cpu < 0 || cpu > 1023)
			return config_error(err, cap, f, "%lld is out of range 0..1023", (long long)cpu);
		for (int k = 0; k < c->ncpus; k++)
			if (c->cpus[k] == cpu)
				return config_error(err, cap, f, "CPU %lld is listed twice", (long long)cpu);
		if (c->ncpus < CFG_MAX_REACTORS)
			c->cpus[c->ncpus] = (int)cpu;
		c->ncpus++;
	}
	if (c->ncpus && c->ncpus != c->reactors)
		return config_error(err, cap, "reactorCpus",
				    "lists %d CPUs for %d reactors (one per reactor, or none for no pinning)", c->ncpus,
				    c->reactors);
	return 0;
}

/* A DNS label of at most 63 characters, as the Java contract's remote names. */
static int dns_label(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int parse_remote(json_object *o, const char *field, struct cfg_remote *r, char *err, size_t cap)
{
	static const char *const known[] = { "name",	     "address",	   "port",
					     "subsystemNqn", "headerDigest", "dataDigest",
					     "ctrlLossTimeoutSeconds", NULL };
	char f[400];
	unsigned char ip[16];
	int64_t v;
	if (!o)
		return config_error(err, cap, field, "must not be null");
	if (!json_object_is_type(o, json_type_object))
		return config_error(err, cap, field, "must be a JSON object");
	if (check_keys2(o, field, known, NULL, CONFIG_CONTRACT, err, cap) < 0)
		return -1;
	path_of(f, sizeof(f), field, "name");
	json_object *name = member(o, "name");
	if (name && json_object_is_type(name, json_type_string) && !dns_label(json_object_get_string(name)))
		return config_error(err, cap, f, "\"%s\" is not a DNS label (a-z, 0-9 and '-', at most 63 characters)",
				    json_object_get_string(name));
	if (get_str(o, "name", field, r->name, sizeof(r->name), 1, err, cap) < 0)
		return -1;
	if (get_str(o, "address", field, r->address, sizeof(r->address), 1, err, cap) < 0)
		return -1;
	path_of(f, sizeof(f), field, "address");
	if (inet_pton(AF_INET, r->address, ip) != 1 && inet_pton(AF_INET6, r->address, ip) != 1)
		return config_error(err, cap, f, "\"%s\" is not an IPv4 or IPv6 address", r->address);
	v = 4420;
	if (get_int(o, "port", field, 1, 65535, &v, 0, err, cap) < 0)
		return -1;
	r->port = (int)v;
	if (get_str(o, "subsystemNqn", field, r->subsystem_nqn, sizeof(r->subsystem_nqn), 1, err, cap) < 0)
		return -1;
	path_of(f, sizeof(f), field, "subsystemNqn");
	if (!nqn_valid(r->subsystem_nqn))
		return config_error(err, cap, f, "\"%s\" is not a valid NQN", r->subsystem_nqn);
	if (strcmp(r->subsystem_nqn, "nqn.2014-08.org.nvmexpress.discovery") == 0)
		return config_error(err, cap, f, "the discovery subsystem holds no namespaces");
	if (get_bool(o, "headerDigest", field, &r->header_digest, err, cap) < 0 ||
	    get_bool(o, "dataDigest", field, &r->data_digest, err, cap) < 0)
		return -1;
	v = 600;
	if (get_int(o, "ctrlLossTimeoutSeconds", field, 1, 86400, &v, 0, err, cap) < 0)
		return -1;
	r->ctrl_loss_timeout_s = (uint32_t)v;
	return 0;
}

static int parse_remotes(json_object *arr, struct cfg *c, char *err, size_t cap)
{
	size_t n = json_object_array_length(arr);
	c->remotes = calloc(n ? n : 1, sizeof(*c->remotes));
	if (!c->remotes)
		return config_error(err, cap, "remotes", "out of memory");
	for (size_t i = 0; i < n; i++) {
		char f[64], nf[80];
		struct cfg_remote *r = &c->remotes[c->nremotes];
		snprintf(f, sizeof(f), "remotes[%zu]", i);
		if (parse_remote(json_object_array_get_idx(arr, i), f, r, err, cap) < 0)
			return -1;
		snprintf(nf, sizeof(nf), "%s.name", f);
		for (int k = 0; k < c->nremotes; k++)
			if (strcmp(c->remotes[k].name, r->name) == 0)
				return config_error(err, cap, nf, "remote \"%s\" is listed twice", r->name);
		c->nremotes++;
	}
	return 0;
}

/* Every nvme-tcp namespace names an entry of remotes[]. */
static int check_ns_remotes(const struct cfg *c, char *err, size_t cap)
{
	for (int i = 0; i < c->nsubs; i++)
		for (int k = 0; k < c->subs[i].nns; k++) {
			const struct cfg_ns *ns = &c->subs[i].ns[k];
			int found = ns->backend != CFG_NVME_TCP;
			for (int r = 0; r < c->nremotes && !found; r++)
				found = strcmp(c->remotes[r].name, ns->remote) == 0;
			if (!found) {
				char f[128];
				snprintf(f, sizeof(f), "subsystems[%d].namespaces[%d].remote", i, k);
				return config_error(err, cap, f, "\"%s\" is not the name of an entry in remotes",
						    ns->remote);
			}
		}
	return 0;
}

static int parse_root(json_object *root, enum config_dialect d, struct cfg *c, char *err, size_t cap)
{
	static const char *const known[] = { "pool",	   "listen",   "reactors", "reactorCpus",
					     "reactorPolling", "offload",  "hostNqn",  "remotes",
					     "subsystems",	   "tenants",  NULL };
	static const char *const superset[] = { "keepAliveTimeoutMs", NULL };
	static const char *const known_listen[] = { "address", "port", NULL };
	json_object *listen, *subs, *arr, *off;
	char pool[256];
	int64_t v;

	memset(c, 0, sizeof(*c));
	c->reactors = 1;
	c->kato_ms = -1;
	c->in_capsule_bytes = -1;
	if (!json_object_is_type(root, json_type_object))
		return config_error(err, cap, "(top level)", "must be a JSON object");
	if (check_keys2(root, "(top level)", known, superset, d, err, cap) < 0)
		return -1;
	if (get_str(root, "pool", "(top level)", pool, sizeof(pool), 0, err, cap) < 0)
		return -1;
	if (get_object(root, "listen", "(top level)", &listen, err, cap) < 0)
		return -1;
	if (!listen)
		return config_error(err, cap, "listen", "missing (required)");
	if (check_keys2(listen, "listen", known_listen, NULL, d, err, cap) < 0 ||
	    get_str(listen, "address", "listen", c->address, sizeof(c->address), 1, err, cap) < 0 ||
	    get_int(listen, "port", "listen", 0, 65535, &v, 1, err, cap) < 0)
		return -1;
	c->port = (int)v;
	v = 1;
	if (get_int(root, "reactors", "(top level)", 1, CFG_MAX_REACTORS, &v, 0, err, cap) < 0)
		return -1;
	c->reactors = (int)v;
	int got = get_array(root, "reactorCpus", "(top level)", &arr, err, cap);
	if (got < 0 || (got && parse_cpus(arr, c, err, cap) < 0))
		return -1;
	char polling[32] = "Sleep";
	if (get_str(root, "reactorPolling", "(top level)", polling, sizeof(polling), 0, err, cap) < 0)
		return -1;
	if (!strcmp(polling, "Sleep"))
		c->polling = DPD_POLLING_SLEEP;
	else if (!strcmp(polling, "BusyPoll"))
		c->polling = DPD_POLLING_BUSY_POLL;
	else if (!strcmp(polling, "Adaptive"))
		c->polling = DPD_POLLING_ADAPTIVE;
	else
		return config_error(err, cap, "reactorPolling", "\"%s\" is not one of Sleep, BusyPoll, Adaptive",
				    polling);
	if (get_int(root, "keepAliveTimeoutMs", "(top level)", 0, 3600000, &c->kato_ms, 0, err, cap) < 0)
		return -1;
	got = get_object(root, "offload", "(top level)", &off, err, cap);
	if (got < 0 || (got && parse_offload(off, c, err, cap) < 0))
		return -1;
	if (get_str(root, "hostNqn", "(top level)", c->host_nqn, sizeof(c->host_nqn), 0, err, cap) < 0)
		return -1;
	if (c->host_nqn[0] && !nqn_valid(c->host_nqn))
		return config_error(err, cap, "hostNqn", "\"%s\" is not a valid host NQN", c->host_nqn);
	got = get_array(root, "remotes", "(top level)", &arr, err, cap);
	if (got < 0 || (got && parse_remotes(arr, c, err, cap) < 0))
		return -1;
	got = get_array(root, "tenants", "(top level)", &arr, err, cap);
	if (got < 0 || (got && parse_tenants(arr, d, err, cap) < 0))
		return -1;
	got = get_array(root, "subsystems", "(top level)", &subs, err, cap);
	if (got < 0)
		return -1;
	if (got) {
		size_t n = json_object_array_length(subs);
		c->subs = calloc(n ? n : 1, sizeof(*c->subs));
		if (!c->subs)
			return config_error(err, cap, "subsystems", "out of memory");
		for (size_t i = 0; i < n; i++) {
			char f[64], nf[80];
			snprintf(f, sizeof(f), "subsystems[%zu]", i);
			if (parse_subsys(json_object_array_get_idx(subs, i), f, d, &c->subs[c->nsubs++], err, cap) < 0)
				return -1;
			snprintf(nf, sizeof(nf), "%s.nqn", f);
			for (int k = 0; k + 1 < c->nsubs; k++)
				if (strcmp(c->subs[k].nqn, c->subs[c->nsubs - 1].nqn) == 0)
					return config_error(err, cap, nf, "\"%s\" is used twice", c->subs[k].nqn);
		}
	}
	return check_ns_remotes(c, err, cap);
}

static int parse_tokener(const char *text, enum config_dialect d, struct cfg *out, char *err, size_t cap)
{
	enum json_tokener_error jerr;
	json_object *root = json_tokener_parse_verbose(text, &jerr);
	if (!root) {
		if (jerr == json_tokener_success) /* the text is JSON null */
			return config_error(err, cap, "(top level)", "must be a JSON object");
		return config_error(err, cap, "(file)", "not valid JSON: %s", json_tokener_error_desc(jerr));
	}
	int rc = parse_root(root, d, out, err, cap);
	json_object_put(root);
	if (rc < 0)
		config_free(out);
	return rc;
}

int config_parse_text(const char *json, enum config_dialect dialect, struct cfg *out, char *err, size_t cap)
{
	memset(out, 0, sizeof(*out));
	return parse_tokener(json, dialect, out, err, cap);
}

int config_parse_string(const char *json, struct cfg *out, char *err, size_t cap)
{
	return config_parse_text(json, CONFIG_STANDALONE, out, err, cap);
}

int config_parse_file(const char *path, struct cfg *out, char *err, size_t cap)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "r");
	if (!f)
		return config_error(err, cap, path, "cannot open: %s", strerror(errno));
	char *buf = NULL;
	size_t len = 0, got;
	char chunk[4096];
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + got > (16u << 20)) {
			fclose(f);
			free(buf);
			return config_error(err, cap, path, "larger than 16 MiB");
		}
		char *n = realloc(buf, len + got + 1);
		if (!n) {
			fclose(f);
			free(buf);
			return config_error(err, cap, path, "out of memory");
		}
		buf = n;
		memcpy(buf + len, chunk, got);
		len += got;
	}
	fclose(f);
	if (!buf)
		return config_error(err, cap, path, "empty file");
	buf[len] = '\0';
	int rc = parse_tokener(buf, CONFIG_STANDALONE, out, err, cap);
	free(buf);
	return rc;
}

void config_default_host_nqn(char *out, size_t cap)
{
	char id[64] = "", host[64] = "localhost";
	FILE *f = fopen("/etc/machine-id", "r");
	if (f) {
		if (!fgets(id, sizeof(id), f))
			id[0] = '\0';
		fclose(f);
	}
	id[strcspn(id, "\r\n")] = '\0';
	int hex = strlen(id) == 32;
	for (int i = 0; hex && i < 32; i++)
		hex = isxdigit((unsigned char)id[i]) != 0;
	if (hex) {
		snprintf(out, cap, "nqn.2014-08.org.nvmexpress:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", id, id + 8, id + 12,
			 id + 16, id + 20);
		return;
	}
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(out, cap, "nqn.2024-01.dev.dpu:host.%s", host);
}

int config_apply(const struct cfg *c, dpd_engine *e, char *err, size_t cap)
{
	char host_nqn[224];
	if (c->host_nqn[0])
		snprintf(host_nqn, sizeof(host_nqn), "%s", c->host_nqn);
	else if (c->nremotes)
		config_default_host_nqn(host_nqn, sizeof(host_nqn));
	for (int i = 0; i < c->nremotes; i++) {
		const struct cfg_remote *r = &c->remotes[i];
		char f[64];
		snprintf(f, sizeof(f), "remotes[%d]", i);
		if (dpd_remote_add(e, r->name, r->address, r->port, r->subsystem_nqn, host_nqn, r->header_digest,
				   r->data_digest, r->ctrl_loss_timeout_s) < 0)
			return config_error(err, cap, f, "%s", dpd_last_error());
	}
	for (int i = 0; i < c->nsubs; i++) {
		const struct cfg_subsys *ss = &c->subs[i];
		char f[64];
		snprintf(f, sizeof(f), "subsystems[%d]", i);
		if (dpd_subsystem_add(e, ss->nqn, ss->serial[0] ? ss->serial : NULL, ss->model[0] ? ss->model : NULL) < 0)
			return config_error(err, cap, f, "%s", dpd_last_error());
		if (ss->allow_any && dpd_subsystem_allow_any_host(e, ss->nqn, 1) < 0)
			return config_error(err, cap, f, "%s", dpd_last_error());
		for (int k = 0; k < ss->nhosts; k++)
			if (dpd_host_allow(e, ss->nqn, ss->hosts[k]) < 0)
				return config_error(err, cap, f, "hosts[%d]: %s", k, dpd_last_error());
		for (int k = 0; k < ss->nns; k++) {
			const struct cfg_ns *ns = &ss->ns[k];
			int rc;
			if (ns->backend == CFG_NVME_TCP)
				rc = dpd_ns_add_remote(e, ss->nqn, ns->nsid, ns->remote, ns->remote_nsid, ns->size,
						       ns->block_size);
			else if (ns->is_file)
				rc = dpd_ns_add_file(e, ss->nqn, ns->nsid, ns->path, ns->size, ns->block_size);
			else
				rc = dpd_ns_add_ram(e, ss->nqn, ns->nsid, ns->size, ns->block_size);
			if (rc < 0)
				return config_error(err, cap, f, "namespaces[%d]: %s", k, dpd_last_error());
		}
	}
	return 0;
}

void config_free(struct cfg *c)
{
	for (int i = 0; i < c->nsubs; i++) {
		free(c->subs[i].hosts);
		free(c->subs[i].ns);
	}
	free(c->subs);
	c->subs = NULL;
	c->nsubs = 0;
	free(c->remotes);
	c->remotes = NULL;
	c->nremotes = 0;
}

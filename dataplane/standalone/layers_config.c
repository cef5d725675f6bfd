/* layers_config.c - offload mode, encryption keys, tenants and the stats file of
 * the standalone target; see layers_config.h. Validation happens before anything
 * is applied, with the offending field named in the message. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "layers_config.h"

#define MAX_TENANTS 4096

static json_object *load(const char *path, char *err, size_t cap)
{
	json_object *root = json_object_from_file(path);
	if (!root)
		config_error(err, cap, "(file)", "cannot read %s as JSON: %s", path, json_util_get_last_err());
	return root;
}

int layers_read_key_file(const char *path, unsigned char key[64], char *err, size_t cap)
{
	/* The one XTS key rule (operator/api XtsKey): exactly 64 raw bytes, key1 then key2.
	 * One byte more is read so a longer file is told apart from a key. */
	unsigned char buf[65];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return config_error(err, cap, "keyFile", "cannot open %s: %s", path, strerror(errno));
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	int rc = n == 64 ? 0 : -1;
	if (rc == 0)
		memcpy(key, buf, 64);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc)
		return config_error(err, cap, "keyFile", "%s must hold exactly 64 raw bytes (AES-256-XTS key1 then key2)",
				    path);
	return 0;
}

static int apply_key(dpd_engine *e, const char *field, const char *nqn, uint32_t nsid, const char *path,
		     char *err, size_t cap)
{
	unsigned char key[64];
	if (layers_read_key_file(path, key, err, cap) < 0)
		return -1;
	int rc = dpd_ns_set_key(e, nqn, nsid, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	if (rc < 0)
		return config_error(err, cap, field, "%s", dpd_last_error());
	return 0;
}

static int get_u64(json_object *o, const char *key, const char *field, uint64_t *out, char *err, size_t cap)
{
	json_object *v;
	*out = 0;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return config_error(err, cap, field, "\"%s\" must be a non-negative integer", key);
	*out = (uint64_t)json_object_get_int64(v);
	return 0;
}

static const char *get_string(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* ------------------------------------------------------------ offload */

static int parse_mode(const char *s, int *mode)
{
	static const char *const names[] = { "NonOffload", "ZeroCopy", "FullOffload" };
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*mode = i;
			return 0;
		}
	return -1;
}

static int apply_offload(json_object *root, dpd_engine *e, const char **pool_key, char *err, size_t cap)
{
	json_object *off, *enc;
	*pool_key = NULL;
	if (!json_object_object_get_ex(root, "offload", &off))
		return 0;
	if (!json_object_is_type(off, json_type_object))
		return config_error(err, cap, "offload", "must be an object");
	int mode = DPD_OFFLOAD_ZERO_COPY, fallback = DPD_OFFLOAD_FALLBACK_DEGRADE;
	const char *m = get_string(off, "mode"), *fb = get_string(off, "fallback");
	if (m && parse_mode(m, &mode))
		return config_error(err, cap, "offload.mode", "\"%s\" is not one of NonOffload, ZeroCopy, FullOffload", m);
	if (fb && strcmp(fb, "Degrade") != 0 && strcmp(fb, "Fail") != 0)
		return config_error(err, cap, "offload.fallback", "\"%s\" is not Degrade or Fail", fb);
	if (fb && strcmp(fb, "Fail") == 0)
		fallback = DPD_OFFLOAD_FALLBACK_FAIL;
	if (dpd_engine_set_offload_mode(e, mode, fallback) < 0)
		return config_error(err, cap, "offload.mode", "%s", dpd_last_error());
	if (json_object_object_get_ex(off, "encryption", &enc) && !json_object_is_type(enc, json_type_null)) {
		const char *alg = get_string(enc, "algorithm");
		if (alg && strcmp(alg, "AES-256-XTS") != 0)
			return config_error(err, cap, "offload.encryption.algorithm", "only AES-256-XTS is supported, not \"%s\"",
				    alg);
		*pool_key = get_string(enc, "keyFile");
		if (!*pool_key)
			return config_error(err, cap, "offload.encryption.keyFile", "missing (path of the key file)");
	}
	return 0;
}

/* ------------------------------------------------------------ tenants */

static int read_limits(json_object *t, const char *field, uint64_t v[8], char *err, size_t cap)
{
	static const char *const keys[9] = { "readIops", "writeIops", "totalIops", "readBytesPerSecond",
					     "writeBytesPerSecond", "totalBytesPerSecond", "burstIops", "burstBytes",
					     NULL };
	json_object *l;
	memset(v, 0, 8 * sizeof(*v));
	if (!json_object_object_get_ex(t, "limits", &l) || json_object_is_type(l, json_type_null))
		return 0;
	char f[160];
	snprintf(f, sizeof(f), "%s.limits", field);
	if (!json_object_is_type(l, json_type_object))
		return config_error(err, cap, f, "must be an object");
	if (config_check_keys(l, f, keys, err, cap) < 0)
		return -1;
	for (int i = 0; i < 8; i++)
		if (get_u64(l, keys[i], f, &v[i], err, cap) < 0)
			return -1;
	return 0;
}

static int set_limits(dpd_engine *e, const char *name, const uint64_t v[8], const char *field, char *err,
		      size_t cap)
{
	if (dpd_tenant_set_limits(e, name, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]) < 0)
		return config_error(err, cap, field, "%s", dpd_last_error());
	return 0;
}

/* Host NQNs a tenant gets: its own "hosts" plus the hosts of subsystems naming it. */
static int for_each_tenant_host(json_object *root, json_object *t, const char *name, dpd_engine *e,
				int (*fn)(dpd_engine *, const char *, const char *), const char *field, char *err,
				size_t cap)
{
	json_object *arr, *subs;
	if (json_object_object_get_ex(t, "hosts", &arr) && json_object_is_type(arr, json_type_array))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			const char *h = json_object_get_string(json_object_array_get_idx(arr, i));
			int hr = fn(e, name, h);
			if (hr < 0 && hr != -EEXIST)
				return config_error(err, cap, field, "hosts[%zu]: %s", i, dpd_last_error());
		}
	if (json_object_object_get_ex(root, "subsystems", &subs) && json_object_is_type(subs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(subs); i++) {
			json_object *ss = json_object_array_get_idx(subs, i);
			const char *tn = get_string(ss, "tenant");
			if (!tn || strcmp(tn, name) != 0 || !json_object_object_get_ex(ss, "hosts", &arr))
				continue;
			for (size_t k = 0; k < json_object_array_length(arr); k++) {
				const char *h = json_object_get_string(json_object_array_get_idx(arr, k));
				int hr = fn(e, name, h);
				if (hr < 0 && hr != -EEXIST)
					return config_error(err, cap, field, "subsystems[%zu].hosts[%zu]: %s", i, k, dpd_last_error());
			}
		}
	return 0;
}

static int find_tenant(json_object *tenants, const char *name)
{
	for (size_t i = 0; tenants && i < json_object_array_length(tenants); i++) {
		const char *n = get_string(json_object_array_get_idx(tenants, i), "name");
		if (n && strcmp(n, name) == 0)
			return (int)i;
	}
	return -1;
}

static int check_tenants(json_object *root, json_object **tenants_out, char *err, size_t cap)
{
	json_object *tenants = NULL, *subs;
	*tenants_out = NULL;
	if (json_object_object_get_ex(root, "tenants", &tenants)) {
		if (!json_object_is_type(tenants, json_type_array))
			return config_error(err, cap, "tenants", "must be an array");
		size_t n = json_object_array_length(tenants);
		if (n > MAX_TENANTS)
			return config_error(err, cap, "tenants", "at most %d tenants", MAX_TENANTS);
		for (size_t i = 0; i < n; i++) {
			json_object *t = json_object_array_get_idx(tenants, i);
			char f[64];
			snprintf(f, sizeof(f), "tenants[%zu]", i);
			const char *name = get_string(t, "name");
			if (!json_object_is_type(t, json_type_object) || !name || !*name || strlen(name) > 63)
				return config_error(err, cap, f, "needs a \"name\" of 1..63 characters");
			if (find_tenant(tenants, name) != (int)i)
				return config_error(err, cap, f, "tenant %s is listed twice", name);
			uint64_t v[8];
			if (read_limits(t, f, v, err, cap) < 0)
				return -1;
		}
	}
	if (json_object_object_get_ex(root, "subsystems", &subs) && json_object_is_type(subs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(subs); i++) {
			const char *tn = get_string(json_object_array_get_idx(subs, i), "tenant");
			if (tn && find_tenant(tenants, tn) < 0) {
				char f[64];
				snprintf(f, sizeof(f), "subsystems[%zu].tenant", i);
				return config_error(err, cap, f, "tenant \"%s\" is not in \"tenants\"", tn);
			}
		}
	*tenants_out = tenants;
	return 0;
}

static int add_tenant(json_object *root, json_object *t, size_t i, dpd_engine *e, char *err, size_t cap)
{
	char f[64];
	snprintf(f, sizeof(f), "tenants[%zu]", i);
	const char *name = get_string(t, "name");
	uint64_t v[8];
	if (read_limits(t, f, v, err, cap) < 0)
		return -1;
	if (dpd_tenant_add(e, name) < 0)
		return config_error(err, cap, f, "%s", dpd_last_error());
	if (set_limits(e, name, v, f, err, cap) < 0)
		return -1;
	return for_each_tenant_host(root, t, name, e, dpd_tenant_host_add, f, err, cap);
}

/* ------------------------------------------------------------ apply */

int layers_config_apply_file(const char *path, dpd_engine *e, char *err, size_t cap)
{
	json_object *root = load(path, err, cap), *tenants, *subs;
	if (!root)
		return -1;
	const char *pool_key = NULL;
	int rc = -1;
	if (check_tenants(root, &tenants, err, cap) < 0 || apply_offload(root, e, &pool_key, err, cap) < 0)
		goto out;
	for (size_t i = 0; tenants && i < json_object_array_length(tenants); i++)
		if (add_tenant(root, json_object_array_get_idx(tenants, i), i, e, err, cap) < 0)
			goto out;
	if (json_object_object_get_ex(root, "subsystems", &subs) && json_object_is_type(subs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(subs); i++) {
			json_object *ss = json_object_array_get_idx(subs, i), *nss;
			const char *nqn = get_string(ss, "nqn"), *tn = get_string(ss, "tenant");
			if (!json_object_object_get_ex(ss, "namespaces", &nss))
				continue;
			for (size_t k = 0; k < json_object_array_length(nss); k++) {
				json_object *ns = json_object_array_get_idx(nss, k), *jid;
				char f[96];
				snprintf(f, sizeof(f), "subsystems[%zu].namespaces[%zu]", i, k);
				json_object_object_get_ex(ns, "nsid", &jid);
				uint32_t nsid = (uint32_t)json_object_get_int(jid);
				if (tn && dpd_tenant_ns_add(e, tn, nqn, nsid) < 0) {
					config_error(err, cap, f, "%s", dpd_last_error());
					goto out;
				}
				const char *kf = get_string(ns, "keyFile");
				if (kf || pool_key) {
					char kfld[128];
					snprintf(kfld, sizeof(kfld), "%s.keyFile", f);
					if (apply_key(e, kfld, nqn, nsid, kf ? kf : pool_key, err, cap) < 0)
						goto out;
				}
			}
		}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int layers_config_reload_tenants(const char *path, dpd_engine *e, char *err, size_t cap)
{
	json_object *root = load(path, err, cap), *tenants;
	if (!root)
		return -1;
	int rc = -1;
	dpd_stats *s = NULL;
	if (check_tenants(root, &tenants, err, cap) < 0 || dpd_stats_snapshot(e, &s) < 0)
		goto out;
	/* Tenants gone from the file are removed; their queues continue unlimited. */
	for (int i = 0; i < dpd_stats_tenant_count(s); i++) {
		const char *name = dpd_stats_tenant_name(s, i);
		if (find_tenant(tenants, name) < 0 && dpd_tenant_remove(e, name) < 0) {
			config_error(err, cap, "tenants", "remove %s: %s", name, dpd_last_error());
			goto out;
		}
	}
	for (size_t i = 0; tenants && i < json_object_array_length(tenants); i++) {
		json_object *t = json_object_array_get_idx(tenants, i);
		const char *name = get_string(t, "name");
		int known = 0;
		for (int k = 0; k < dpd_stats_tenant_count(s); k++)
			known |= strcmp(dpd_stats_tenant_name(s, k), name) == 0;
		char f[64];
		snprintf(f, sizeof(f), "tenants[%zu]", i);
		if (!known) {
			if (add_tenant(root, t, i, e, err, cap) < 0)
				goto out;
			continue;
		}
		uint64_t v[8];
		if (read_limits(t, f, v, err, cap) < 0 || set_limits(e, name, v, f, err, cap) < 0)
			goto out;
		/* Host lists: add what is new (existing entries answer -EEXIST, which is fine). */
		json_object *arr;
		if (json_object_object_get_ex(t, "hosts", &arr) && json_object_is_type(arr, json_type_array))
			for (size_t k = 0; k < json_object_array_length(arr); k++) {
				const char *h = json_object_get_string(json_object_array_get_idx(arr, k));
				int hr = dpd_tenant_host_add(e, name, h);
				if (hr < 0 && hr != -EEXIST) {
					config_error(err, cap, f, "hosts[%zu]: %s", k, dpd_last_error());
					goto out;
				}
			}
	}
	rc = 0;
out:
	dpd_stats_destroy(s);
	json_object_put(root);
	return rc;
}

/* ------------------------------------------------------------ stats file */

static const char *const io_names[DPD_IO_COUNT] = {
	"readOps",	 "writeOps",	  "readBytes",	   "writeBytes", "errors",   "digestErrors",
	"throttledIos", "throttledNs", "payloadCopies", "copiedBytes", "inflight", "qosQueued",
	"connections",	 "fixedBufferIos",
};

static json_object *io_object(const dpd_stats *s, int kind, int idx)
{
	json_object *o = json_object_new_object();
	for (int id = 0; id < DPD_IO_COUNT; id++)
		json_object_object_add(o, io_names[id], json_object_new_int64((int64_t)dpd_stats_io(s, kind, idx, id)));
	static const char *const hn[2] = { "latencyUs", "backendLatencyUs" };
	for (int h = 0; h < 2; h++) {
		json_object *l = json_object_new_object();
		json_object_object_add(l, "p50", json_object_new_double(dpd_stats_latency_ns(s, kind, idx, h, 50) / 1e3));
		json_object_object_add(l, "p99", json_object_new_double(dpd_stats_latency_ns(s, kind, idx, h, 99) / 1e3));
		json_object_object_add(l, "p999",
				       json_object_new_double(dpd_stats_latency_ns(s, kind, idx, h, 99.9) / 1e3));
		json_object_object_add(o, hn[h], l);
	}
	return o;
}

/* Each remote: state, reason, DPD_REMOTE_STAT_* counters, round-trip latency. */
static json_object *remotes_json(const dpd_stats *s)
{
	static const char *const states[] = { "Connecting", "Connected", "Failed" };
	static const char *const names[DPD_REMOTE_STAT_COUNT] = {
		"reconnects",	 "disconnectedNs", "readOps",	      "writeOps",	"otherOps",
		"readBytes",	 "writeBytes",	   "errorsGeneric",   "errorsCommand",	"errorsMedia",
		"errorsPath",	 "errorsTransport", "queued",
	};
	json_object *arr = json_object_new_array();
	for (int i = 0; i < dpd_stats_remote_count(s); i++) {
		json_object *o = json_object_new_object();
		int st = dpd_stats_remote_state(s, i);
		json_object_object_add(o, "name", json_object_new_string(dpd_stats_remote_name(s, i)));
		json_object_object_add(o, "state", json_object_new_string(st >= 0 && st < 3 ? states[st] : "?"));
		json_object_object_add(o, "reason", json_object_new_string(dpd_stats_remote_reason(s, i)));
		for (int id = 0; id < DPD_REMOTE_STAT_COUNT; id++)
			json_object_object_add(o, names[id], json_object_new_int64((int64_t)dpd_stats_remote(s, i, id)));
		json_object *l = json_object_new_object();
		json_object_object_add(l, "p50", json_object_new_double(
						     dpd_stats_latency_ns(s, DPD_KIND_REMOTE, i, DPD_HIST_BACKEND, 50) / 1e3));
		json_object_object_add(l, "p99", json_object_new_double(
						     dpd_stats_latency_ns(s, DPD_KIND_REMOTE, i, DPD_HIST_BACKEND, 99) / 1e3));
		json_object_object_add(o, "latencyUs", l);
		json_object_array_add(arr, o);
	}
	return arr;
}

int layers_write_stats(dpd_engine *e, const char *path, char *err, size_t cap)
{
	dpd_stats *s;
	if (dpd_stats_snapshot(e, &s) < 0)
		return config_error(err, cap, "stats", "%s", dpd_last_error());
	static const char *const mode_names[] = { "NonOffload", "ZeroCopy", "FullOffload" };
	int mode = dpd_engine_offload_mode(e);
	json_object *root = json_object_new_object();
	json_object_object_add(root, "offloadMode", json_object_new_string(mode >= 0 && mode < 3 ? mode_names[mode] : "?"));
	json_object *nss = json_object_new_array();
	for (int i = 0; i < dpd_stats_ns_count(s); i++) {
		json_object *o = io_object(s, DPD_KIND_NS, i);
		json_object_object_add(o, "subsystem", json_object_new_string(dpd_stats_ns_subsystem(s, i)));
		json_object_object_add(o, "nsid", json_object_new_int((int)dpd_stats_ns_nsid(s, i)));
		json_object_array_add(nss, o);
	}
	json_object_object_add(root, "namespaces", nss);
	json_object *ts = json_object_new_array();
	static const char *const lim[8] = { "readIops", "writeIops", "totalIops", "readBytesPerSecond",
					    "writeBytesPerSecond", "totalBytesPerSecond", "burstIops", "burstBytes" };
	for (int i = 0; i < dpd_stats_tenant_count(s); i++) {
		json_object *o = io_object(s, DPD_KIND_TENANT, i);
		json_object_object_add(o, "name", json_object_new_string(dpd_stats_tenant_name(s, i)));
		json_object *l = json_object_new_object();
		for (int k = 0; k < 8; k++)
			json_object_object_add(l, lim[k], json_object_new_int64((int64_t)dpd_stats_tenant_limit(s, i, k)));
		json_object_object_add(o, "limits", l);
		json_object_array_add(ts, o);
	}
	json_object_object_add(root, "tenants", ts);
	json_object *qs = json_object_new_array();
	for (int i = 0; i < dpd_stats_queue_count(s); i++) {
		json_object *o = io_object(s, DPD_KIND_QUEUE, i);
		json_object_object_add(o, "subsystem", json_object_new_string(dpd_stats_queue_subsystem(s, i)));
		json_object_object_add(o, "host", json_object_new_string(dpd_stats_queue_host(s, i)));
		json_object_object_add(o, "tenant", json_object_new_string(dpd_stats_queue_tenant(s, i)));
		json_object_object_add(o, "cntlid", json_object_new_int((int)(dpd_stats_queue_id(s, i) >> 16)));
		json_object_object_add(o, "qid", json_object_new_int((int)(dpd_stats_queue_id(s, i) & 0xffff)));
		json_object_array_add(qs, o);
	}
	json_object_object_add(root, "queues", qs);
	json_object_object_add(root, "remotes", remotes_json(s));
	dpd_stats_destroy(s);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int rc = json_object_to_file_ext(tmp, root, JSON_C_TO_STRING_PLAIN);
	json_object_put(root);
	if (rc < 0 || rename(tmp, path) < 0)
		return config_error(err, cap, "stats", "cannot write %s: %s", path, strerror(errno));
	return 0;
}

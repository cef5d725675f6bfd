/* config.c - JSON config (json-c) for dpu-target: parse, validate every
 * field with a message that names it, then apply through the public API. */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int get_int(json_object *o, const char *key, const char *field, int64_t min, int64_t max,
		   int64_t *out, int required, char *err, size_t cap)
{
	json_object *v;
	char f[400];
	snprintf(f, sizeof(f), "%s.%s", field, key);
	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			return config_error(err, cap, f, "missing (required)");
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return config_error(err, cap, f, "must be an integer");
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (errno || x < min || x > max)
		return config_error(err, cap, f, "%lld is out of range %lld..%lld", (long long)x, (long long)min,
			      (long long)max);
	*out = x;
	return 1;
}

static int get_str(json_object *o, const char *key, const char *field, char *out, size_t outcap,
		   int required, char *err, size_t cap)
{
	json_object *v;
	char f[400];
	snprintf(f, sizeof(f), "%s.%s", field, key);
	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			return config_error(err, cap, f, "missing (required)");
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return config_error(err, cap, f, "must be a string");
	const char *s = json_object_get_string(v);
	if (!*s || strlen(s) >= outcap)
		return config_error(err, cap, f, "must be 1..%zu characters", outcap - 1);
	snprintf(out, outcap, "%s", s);
	return 1;
}

static int get_bool(json_object *o, const char *key, const char *field, int *out, char *err, size_t cap)
{
	json_object *v;
	char f[400];
	snprintf(f, sizeof(f), "%s.%s", field, key);
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return config_error(err, cap, f, "must be true or false");
	*out = json_object_get_boolean(v);
	return 1;
}

static int parse_ns(json_object *o, const char *field, struct cfg_ns *ns, char *err, size_t cap)
{
	static const char *const known[] = { "nsid", "backend", "sizeBytes", "blockSize", "path",
					     "volume", "keyFile" /* layers_config.c */, NULL };
	char backend[16];
	int64_t v;
	if (!json_object_is_type(o, json_type_object))
		return config_error(err, cap, field, "must be an object");
	if (config_check_keys(o, field, known, err, cap) < 0)
		return -1;
	if (get_int(o, "nsid", field, 1, 1024, &v, 1, err, cap) < 0)
		return -1;
	ns->nsid = (uint32_t)v;
	if (get_str(o, "backend", field, backend, sizeof(backend), 1, err, cap) < 0)
		return -1;
	if (strcmp(backend, "ram") == 0) {
		ns->is_file = 0;
	} else if (strcmp(backend, "file") == 0) {
		ns->is_file = 1;
	} else {
		char f[400];
		snprintf(f, sizeof(f), "%s.backend", field);
		return config_error(err, cap, f, "\"%s\" is not one of \"ram\", \"file\"", backend);
	}
	v = 512;
	if (get_int(o, "blockSize", field, 0, 1 << 30, &v, 0, err, cap) < 0)
		return -1;
	if (v != 512 && v != 4096) {
		char f[400];
		snprintf(f, sizeof(f), "%s.blockSize", field);
		return config_error(err, cap, f, "%lld must be 512 or 4096", (long long)v);
	}
	ns->block_size = (uint32_t)v;
	v = 0;
	int has_size = get_int(o, "sizeBytes", field, 1, INT64_MAX, &v, !ns->is_file, err, cap);
	if (has_size < 0)
		return -1;
	ns->size = (uint64_t)v;
	if (has_size && ns->size % ns->block_size) {
		char f[400];
		snprintf(f, sizeof(f), "%s.sizeBytes", field);
		return config_error(err, cap, f, "%llu is not a multiple of blockSize %u", (unsigned long long)ns->size,
			      ns->block_size);
	}
	int has_path = get_str(o, "path", field, ns->path, sizeof(ns->path), ns->is_file, err, cap);
	if (has_path < 0)
		return -1;
	if (!ns->is_file && has_path) {
		char f[400];
		snprintf(f, sizeof(f), "%s.path", field);
		return config_error(err, cap, f, "only a \"file\" backend has a path");
	}
	return 0;
}

static int parse_subsys(json_object *o, const char *field, struct cfg_subsys *ss, char *err, size_t cap)
{
	static const char *const known[] = { "nqn", "serial", "model", "allowAnyHost", "hosts", "namespaces",
					     "tenant" /* layers_config.c */, NULL };
	json_object *arr;
	char f[400];
	if (!json_object_is_type(o, json_type_object))
		return config_error(err, cap, field, "must be an object");
	if (config_check_keys(o, field, known, err, cap) < 0)
		return -1;
	if (get_str(o, "nqn", field, ss->nqn, sizeof(ss->nqn), 1, err, cap) < 0 ||
	    get_str(o, "serial", field, ss->serial, sizeof(ss->serial), 0, err, cap) < 0 ||
	    get_str(o, "model", field, ss->model, sizeof(ss->model), 0, err, cap) < 0 ||
	    get_bool(o, "allowAnyHost", field, &ss->allow_any, err, cap) < 0)
		return -1;
	if (json_object_object_get_ex(o, "hosts", &arr)) {
		snprintf(f, sizeof(f), "%s.hosts", field);
		if (!json_object_is_type(arr, json_type_array))
			return config_error(err, cap, f, "must be an array of host NQN strings");
		size_t n = json_object_array_length(arr);
		ss->hosts = calloc(n ? n : 1, sizeof(*ss->hosts));
		if (!ss->hosts)
			return config_error(err, cap, f, "out of memory");
		for (size_t i = 0; i < n; i++) {
			json_object *h = json_object_array_get_idx(arr, i);
			char hf[512];
			snprintf(hf, sizeof(hf), "%s[%zu]", f, i);
			if (!json_object_is_type(h, json_type_string) ||
			    strlen(json_object_get_string(h)) >= sizeof(ss->hosts[0]) ||
			    strncmp(json_object_get_string(h), "nqn.", 4) != 0)
				return config_error(err, cap, hf, "must be a host NQN string (\"nqn.\" prefix, at most 223 bytes)");
			snprintf(ss->hosts[ss->nhosts++], sizeof(ss->hosts[0]), "%s", json_object_get_string(h));
		}
	}
	if (json_object_object_get_ex(o, "namespaces", &arr)) {
		snprintf(f, sizeof(f), "%s.namespaces", field);
		if (!json_object_is_type(arr, json_type_array))
			return config_error(err, cap, f, "must be an array");
		size_t n = json_object_array_length(arr);
		ss->ns = calloc(n ? n : 1, sizeof(*ss->ns));
		if (!ss->ns)
			return config_error(err, cap, f, "out of memory");
		for (size_t i = 0; i < n; i++) {
			char nf[512];
			snprintf(nf, sizeof(nf), "%s[%zu]", f, i);
			if (parse_ns(json_object_array_get_idx(arr, i), nf, &ss->ns[ss->nns], err, cap) < 0)
				return -1;
			for (int k = 0; k < ss->nns; k++)
				if (ss->ns[k].nsid == ss->ns[ss->nns].nsid)
					return config_error(err, cap, nf, "nsid %u is used twice", ss->ns[k].nsid);
			ss->nns++;
		}
	}
	return 0;
}

static int parse_root(json_object *root, struct cfg *c, char *err, size_t cap)
{
	static const char *const known[] = { "listen", "reactors", "reactorCpus", "keepAliveTimeoutMs", "subsystems",
					     /* read by layers_config.c: */ "pool", "namespace", "offload", "tenants", NULL };
	static const char *const known_listen[] = { "address", "port", NULL };
	json_object *listen, *subs;
	int64_t v;

	memset(c, 0, sizeof(*c));
	c->reactors = 2;
	c->kato_ms = -1;
	if (!json_object_is_type(root, json_type_object))
		return config_error(err, cap, "(top level)", "must be a JSON object");
	if (config_check_keys(root, "(top level)", known, err, cap) < 0)
		return -1;
	if (!json_object_object_get_ex(root, "listen", &listen) || !json_object_is_type(listen, json_type_object))
		return config_error(err, cap, "listen", "missing or not an object with address and port");
	if (config_check_keys(listen, "listen", known_listen, err, cap) < 0 ||
	    get_str(listen, "address", "listen", c->address, sizeof(c->address), 1, err, cap) < 0 ||
	    get_int(listen, "port", "listen", 0, 65535, &v, 1, err, cap) < 0)
		return -1;
	c->port = (int)v;
	if (get_int(root, "reactors", "(top level)", 1, 64, &v, 0, err, cap) < 0)
		return -1;
	if (json_object_object_get_ex(root, "reactors", NULL))
		c->reactors = (int)v;
	json_object *cpus;
	if (json_object_object_get_ex(root, "reactorCpus", &cpus) && !json_object_is_type(cpus, json_type_null)) {
		if (!json_object_is_type(cpus, json_type_array) || json_object_array_length(cpus) > 64)
			return config_error(err, cap, "reactorCpus", "must be an array of at most 64 CPU numbers");
		for (size_t i = 0; i < json_object_array_length(cpus); i++) {
			json_object *cpu = json_object_array_get_idx(cpus, i);
			if (!json_object_is_type(cpu, json_type_int) || json_object_get_int64(cpu) < 0 ||
			    json_object_get_int64(cpu) > 1023)
				return config_error(err, cap, "reactorCpus", "element %zu is not a CPU number 0..1023", i);
			c->reactor_cpus[c->nreactor_cpus++] = (int32_t)json_object_get_int64(cpu);
		}
	}
	if (get_int(root, "keepAliveTimeoutMs", "(top level)", 0, 3600000, &v, 0, err, cap) < 0)
		return -1;
	if (json_object_object_get_ex(root, "keepAliveTimeoutMs", NULL))
		c->kato_ms = v;
	if (json_object_object_get_ex(root, "subsystems", &subs)) {
		if (!json_object_is_type(subs, json_type_array))
			return config_error(err, cap, "subsystems", "must be an array");
		size_t n = json_object_array_length(subs);
		c->subs = calloc(n ? n : 1, sizeof(*c->subs));
		if (!c->subs)
			return config_error(err, cap, "subsystems", "out of memory");
		for (size_t i = 0; i < n; i++) {
			char f[64];
			snprintf(f, sizeof(f), "subsystems[%zu]", i);
			if (parse_subsys(json_object_array_get_idx(subs, i), f, &c->subs[c->nsubs++], err, cap) < 0)
				return -1;
			for (int k = 0; k + 1 < c->nsubs; k++)
				if (strcmp(c->subs[k].nqn, c->subs[c->nsubs - 1].nqn) == 0)
					return config_error(err, cap, f, "nqn %s is used twice", c->subs[k].nqn);
		}
	}
	return 0;
}

static int parse_tokener(const char *text, struct cfg *out, char *err, size_t cap)
{
	enum json_tokener_error jerr;
	json_object *root = json_tokener_parse_verbose(text, &jerr);
	if (!root)
		return config_error(err, cap, "(file)", "not valid JSON: %s", json_tokener_error_desc(jerr));
	int rc = parse_root(root, out, err, cap);
	json_object_put(root);
	if (rc < 0)
		config_free(out);
	return rc;
}

int config_parse_string(const char *json, struct cfg *out, char *err, size_t cap)
{
	memset(out, 0, sizeof(*out));
	return parse_tokener(json, out, err, cap);
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
	int rc = parse_tokener(buf, out, err, cap);
	free(buf);
	return rc;
}

int config_apply(const struct cfg *c, dpd_engine *e, char *err, size_t cap)
{
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
			int rc = ns->is_file ? dpd_ns_add_file(e, ss->nqn, ns->nsid, ns->path, ns->size, ns->block_size)
					     : dpd_ns_add_ram(e, ss->nqn, ns->nsid, ns->size, ns->block_size);
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
}

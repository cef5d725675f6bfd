/* fixture.c - see fixture.h. */
#include "fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

static dpd_engine *engine_create(int reactors, int polling)
{
	dpd_engine *e = NULL;
	dpd_options *o = NULL;
	if (reactors == 0 && !polling)
		return dpd_engine_create(NULL, &e) < 0 ? NULL : e;
	if (dpd_options_create(&o) == 0 && (!reactors || dpd_options_set_int(o, "reactors", reactors) == 0) &&
	    dpd_options_set_int(o, "polling", polling) == 0)
		dpd_engine_create(o, &e);
	dpd_options_destroy(o);
	return e;
}

dpd_engine *fx_engine_up(const struct fx_target *t, int *port)
{
	dpd_engine *e = engine_create(t->reactors, t->polling);
	if (!e) {
		fprintf(stderr, "engine create failed: %s\n", dpd_last_error());
		return NULL;
	}
	int rc = dpd_subsystem_add(e, t->subnqn, t->serial, NULL);
	rc |= dpd_host_allow(e, t->subnqn, t->hostnqn);
	rc |= dpd_ns_add_ram(e, t->subnqn, 1, t->ram_bytes, t->block);
	if (t->more)
		rc |= t->more(e);
	rc |= dpd_engine_start(e);
	*port = dpd_listener_add(e, "127.0.0.1", 0);
	if (rc || *port <= 0) {
		fprintf(stderr, "engine setup failed: %s\n", dpd_last_error());
		dpd_engine_destroy(e);
		return NULL;
	}
	return e;
}

void fx_image_path(char *buf, size_t cap, const char *dir, const char *tag)
{
	snprintf(buf, cap, "%s/dpd-%s-%d.img", dir, tag, (int)getpid());
	unlink(buf);
}

uint64_t fx_stat_engine(dpd_engine *e, int id)
{
	dpd_stats *s;
	if (dpd_stats_snapshot(e, &s) < 0)
		return (uint64_t)-1;
	uint64_t v = dpd_stats_engine(s, id);
	dpd_stats_destroy(s);
	return v;
}

int fx_set_queues(struct ini *admin, uint16_t n, uint32_t *granted)
{
	uint8_t sqe[64];
	struct cqe c;
	sqe_init(sqe, 0x09, 0);
	sqe[40] = 0x07;
	put_le32(sqe + 44, ((uint32_t)(n - 1) << 16) | (uint32_t)(n - 1));
	if (ini_cmd(admin, sqe, NULL, 0, NULL, 0, &c) < 0 || c.status)
		return -1;
	if (granted)
		*granted = c.dw0;
	return 0;
}

int fx_host_up(const struct fx_target *t, int port, int hd, int dd, uint32_t kato_ms, struct ini *a, struct ini *q)
{
	q->fd = -1;
	if (ini_admin_up(a, port, hd, dd, t->subnqn, t->hostnqn, kato_ms) < 0)
		return -1;
	if (fx_set_queues(a, 1, NULL) < 0) {
		snprintf(a->err, sizeof(a->err), "Set Features Number of Queues failed");
		return -1;
	}
	return ini_io_up(q, port, hd, dd, t->subnqn, t->hostnqn, a->cntlid, 1);
}

static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_log[65536];

static void log_append(int level, const char *msg, void *ctx)
{
	(void)level;
	(void)ctx;
	pthread_mutex_lock(&g_log_lock);
	size_t n = strlen(g_log);
	if (n + strlen(msg) + 2 < sizeof(g_log)) {
		strcat(g_log, msg);
		strcat(g_log, "\n");
	}
	pthread_mutex_unlock(&g_log_lock);
}

void fx_log_capture(void)
{
	pthread_mutex_lock(&g_log_lock);
	g_log[0] = '\0';
	pthread_mutex_unlock(&g_log_lock);
	dpd_log_set_callback(log_append, NULL);
}

void fx_log_release(void)
{
	dpd_log_set_callback(NULL, NULL);
}

int fx_log_has(const char *needle)
{
	pthread_mutex_lock(&g_log_lock);
	int r = strstr(g_log, needle) != NULL;
	pthread_mutex_unlock(&g_log_lock);
	return r;
}

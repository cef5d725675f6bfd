/* remote_ctrl.c - a remote's controller over time, on the remote's own
 * thread: connect, hand each reactor its I/O queue, keep-alive, notice a lost
 * queue or controller, reconnect with exponential backoff (0.25 s doubling to
 * 4 s), and declare the remote lost after ctrl_loss_s of continuous
 * disconnection (host I/O then fails with a path error until it is back). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "backends/remote.h"
#include "common/log.h"
#include "common/util.h"

#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 4000
#define KA_INTERVAL_MS 2500 /* half the KATO remote_admin.c connects with */

uint64_t remote_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int live(struct remote *r) { return __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE) & 1; }

void remote_wake(struct remote *r)
{
	uint64_t one = 1;
	if (write(r->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("remote %s: waking its thread failed: %s", r->cfg.name, strerror(errno));
}

static void set_reason(struct remote *r, int state, const char *why)
{
	pthread_mutex_lock(&r->lock);
	r->state = state;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
	pthread_mutex_unlock(&r->lock);
}

void remote_note(struct remote *r, int state, const char *fmt, ...)
{
	char why[REMOTE_REASON_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	set_reason(r, state, why);
}

void remote_set_state(struct remote *r, int state, const char *fmt, ...)
{
	char why[REMOTE_REASON_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	set_reason(r, state, why);
	/* Log what changed, not every retry of the same failure. */
	if (strcmp(r->logged, why) == 0)
		return;
	snprintf(r->logged, sizeof(r->logged), "%s", why);
	if (state == DPD_REMOTE_FAILED)
		log_error("remote %s: %s", r->cfg.name, why);
	else if (why[0])
		log_warn("remote %s: %s", r->cfg.name, why);
}

/* Take the handed-over queues back (none reached a lane) and free them. */
static void take_back_handover(struct remote *r)
{
	for (int i = 0; i < r->cfg.nlanes; i++) {
		struct hq *q = __atomic_exchange_n(&r->handover[i], NULL, __ATOMIC_ACQ_REL);
		if (q)
			remote_hq_free(q);
	}
}

/* The controller is gone (or going): lanes drop their queues when they see
 * the new, even generation; host I/O waits for the next one. */
static void drop_controller(struct remote *r, const char *why)
{
	if (live(r)) {
		__atomic_add_fetch(&r->gen, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_lock(&r->lock);
		r->down_since_ns = remote_now_ns();
		if (why)
			r->transport_errors++;
		pthread_mutex_unlock(&r->lock);
		if (why)
			log_warn("remote %s (%s:%d): %s; host I/O waits up to %u s for it to come back", r->cfg.name,
				 r->cfg.address, r->cfg.port, why, r->cfg.ctrl_loss_s);
	}
	take_back_handover(r);
	if (r->aq)
		remote_hq_free(r->aq);
	r->aq = NULL;
	r->next_try_ms = dpd_now_ms();
}

static void try_connect(struct remote *r)
{
	struct hq **qs = calloc((size_t)r->cfg.nlanes, sizeof(*qs));
	if (!qs || remote_connect(r, qs) < 0) {
		free(qs);
		r->next_try_ms = dpd_now_ms() + r->backoff_ms;
		pthread_mutex_lock(&r->lock);
		int state = r->state;
		char why[REMOTE_REASON_MAX];
		snprintf(why, sizeof(why), "%s", r->reason);
		pthread_mutex_unlock(&r->lock);
		remote_set_state(r, state, "%.400s, retrying in %u s", why, (unsigned)((r->backoff_ms + 999) / 1000));
		r->backoff_ms = DPD_MIN(r->backoff_ms * 2, BACKOFF_MAX_MS);
		return;
	}
	for (int i = 0; i < r->cfg.nlanes; i++)
		__atomic_store_n(&r->handover[i], qs[i], __ATOMIC_RELEASE);
	free(qs);
	__atomic_add_fetch(&r->gen, 1, __ATOMIC_ACQ_REL); /* odd: live */
	__atomic_store_n(&r->lost, 0, __ATOMIC_RELEASE);
	pthread_mutex_lock(&r->lock);
	r->down_ns_total += remote_now_ns() - r->down_since_ns;
	r->down_since_ns = 0;
	if (r->ever_connected)
		r->reconnects++;
	r->ever_connected = 1;
	r->ns_dirty = 0;
	r->state = DPD_REMOTE_CONNECTED;
	r->reason[0] = '\0';
	pthread_mutex_unlock(&r->lock);
	r->logged[0] = '\0';
	r->backoff_ms = BACKOFF_FIRST_MS;
	r->next_ka_ms = dpd_now_ms() + KA_INTERVAL_MS;
	log_info("remote %s connected: %s at %s:%d as %s, controller %u, %d I/O queues, largest command %u bytes, "
		 "in-capsule writes up to %u bytes%s%s",
		 r->cfg.name, r->cfg.subnqn, r->cfg.address, r->cfg.port, r->cfg.hostnqn, r->cntlid, r->cfg.nlanes,
		 r->io_max, r->incapsule, r->cfg.hdgst ? ", header digest" : "", r->cfg.ddgst ? ", data digest" : "");
}

static void check_lost(struct remote *r)
{
	pthread_mutex_lock(&r->lock);
	uint64_t since = r->down_since_ns;
	pthread_mutex_unlock(&r->lock);
	if (!since || __atomic_load_n(&r->lost, __ATOMIC_ACQUIRE))
		return;
	if (remote_now_ns() - since >= (uint64_t)r->cfg.ctrl_loss_s * 1000000000ull) {
		__atomic_store_n(&r->lost, 1, __ATOMIC_RELEASE);
		log_error("remote %s (%s:%d): not connected for %u s (ctrlLossTimeoutSeconds): host I/O to its "
			  "namespaces now fails with a path error until the remote is back; check the remote target",
			  r->cfg.name, r->cfg.address, r->cfg.port, r->cfg.ctrl_loss_s);
	}
}

static void *remote_main(void *arg)
{
	struct remote *r = arg;
	while (!__atomic_load_n(&r->quit, __ATOMIC_ACQUIRE)) {
		uint64_t now = dpd_now_ms();
		if (!live(r)) {
			check_lost(r);
			if (now >= r->next_try_ms)
				try_connect(r);
		} else if (__atomic_exchange_n(&r->reset_wanted, 0, __ATOMIC_ACQ_REL)) {
			drop_controller(r, "an I/O queue to the remote failed");
		} else if (now >= r->next_ka_ms) {
			if (remote_keep_alive(r) < 0)
				drop_controller(r, "keep-alive to the remote failed");
			r->next_ka_ms = dpd_now_ms() + KA_INTERVAL_MS;
		} else {
			pthread_mutex_lock(&r->lock);
			int dirty = r->ns_dirty;
			r->ns_dirty = 0;
			pthread_mutex_unlock(&r->lock);
			if (dirty && remote_check_namespaces(r) < 0)
				drop_controller(r, NULL);
		}
		struct pollfd pfd = { .fd = r->evfd, .events = POLLIN };
		if (poll(&pfd, 1, 50) > 0) {
			uint64_t v;
			if (read(r->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_warn("remote %s: reading its wake-up eventfd failed: %s", r->cfg.name, strerror(errno));
		}
	}
	drop_controller(r, NULL);
	return NULL;
}

int remote_create(const struct remote_cfg *cfg, struct remote **out)
{
	struct remote *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cfg = *cfg;
	r->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->handover = calloc((size_t)cfg->nlanes, sizeof(*r->handover));
	r->lanes = calloc((size_t)cfg->nlanes, sizeof(*r->lanes));
	if (r->evfd < 0 || !r->handover || !r->lanes) {
		remote_free(r);
		return -ENOMEM;
	}
	for (int i = 0; i < cfg->nlanes; i++) {
		r->lanes[i].r = r;
		r->lanes[i].idx = i;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->state = DPD_REMOTE_CONNECTING;
	snprintf(r->reason, sizeof(r->reason), "connecting to %s:%d", cfg->address, cfg->port);
	r->down_since_ns = remote_now_ns();
	r->backoff_ms = BACKOFF_FIRST_MS;
	int rc = -pthread_create(&r->thread, NULL, remote_main, r);
	if (rc < 0) {
		pthread_mutex_destroy(&r->lock);
		r->evfd = r->evfd >= 0 ? (close(r->evfd), -1) : -1;
		free(r->handover);
		free(r->lanes);
		free(r);
		return rc;
	}
	pthread_setname_np(r->thread, "dpd-remote");
	*out = r;
	return 0;
}

void remote_stop(struct remote *r)
{
	if (!r || __atomic_exchange_n(&r->quit, 1, __ATOMIC_ACQ_REL))
		return;
	remote_wake(r);
	pthread_join(r->thread, NULL);
	pthread_mutex_lock(&r->lock);
	r->state = DPD_REMOTE_CONNECTING;
	snprintf(r->reason, sizeof(r->reason), "removed");
	pthread_mutex_unlock(&r->lock);
}

void remote_free(struct remote *r)
{
	if (!r)
		return;
	if (r->lanes)
		for (int i = 0; i < r->cfg.nlanes; i++) {
			if (r->lanes[i].q)
				remote_hq_free(r->lanes[i].q);
			free(r->lanes[i].dsm);
		}
	if (r->handover)
		take_back_handover(r);
	while (r->ns) {
		struct remote_ns *n = r->ns;
		r->ns = n->next;
		free(n);
	}
	if (r->evfd >= 0)
		close(r->evfd);
	if (r->lanes)
		pthread_mutex_destroy(&r->lock);
	free(r->handover);
	free(r->lanes);
	free(r);
}

void remote_snapshot(struct remote *r, struct remote_snap *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", r->cfg.name);
	for (int i = 0; i < r->cfg.nlanes; i++) {
		struct lane *l = &r->lanes[i];
		for (int k = 0; k < DPD_REMOTE_STAT_COUNT; k++)
			o->c[k] += stat_read(&l->c[k]);
		dpd_hist_merge(&o->hist, &l->hist);
	}
	pthread_mutex_lock(&r->lock);
	o->state = r->state;
	snprintf(o->reason, sizeof(o->reason), "%s", r->state == DPD_REMOTE_CONNECTED ? "" : r->reason);
	o->c[DPD_REMOTE_STAT_RECONNECTS] = r->reconnects;
	o->c[DPD_REMOTE_STAT_DISCONNECTED_NS] =
		r->down_ns_total + (r->down_since_ns ? remote_now_ns() - r->down_since_ns : 0);
	o->c[DPD_REMOTE_STAT_ERRORS_TRANSPORT] += r->transport_errors;
	pthread_mutex_unlock(&r->lock);
}

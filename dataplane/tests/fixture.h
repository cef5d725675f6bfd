/* fixture.h - the set-up the end-to-end C tests share: a real engine with
 * one subsystem and a RAM namespace, listening on a loopback port, for the
 * test initiator (host/initiator.h) to connect to; the engine's log
 * captured for assertions; and the admin commands every host sends first.
 * Failures are returned (with the reason on stderr), never checked here:
 * the test decides (check.h). */
#ifndef DPD_TEST_FIXTURE_H
#define DPD_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "dpudp.h"
#include "host/initiator.h"

/* What fx_engine_up serves. */
struct fx_target {
	int reactors;        /* 0: the engine's default options */
	int polling;         /* the "polling" option, DPD_POLLING_* (0: sleep) */
	const char *subnqn;
	const char *serial;  /* NULL: the engine makes one up */
	const char *hostnqn; /* the host allowed on subnqn */
	uint64_t ram_bytes;  /* RAM namespace 1 of subnqn */
	uint32_t block;
	/* More set-up before the engine starts (namespaces, subsystems,
	 * tenants), or NULL. Returns 0, or a negative errno. */
	int (*more)(dpd_engine *e);
};

/* A started engine serving t, listening on 127.0.0.1 at *port (a free one);
 * NULL when any step fails, after saying which on stderr. */
dpd_engine *fx_engine_up(const struct fx_target *t, int *port);

/* The test initiator as a host after `nvme connect`: the admin queue (keep-alive
 * timeout kato_ms), one I/O queue granted, I/O queue 1 connected, digests
 * hd/dd on both, to t's subsystem as t's host. 0, or -1 with the reason in
 * a->err or q->err; close both with ini_close either way. */
int fx_host_up(const struct fx_target *t, int port, int hd, int dd, uint32_t kato_ms, struct ini *a, struct ini *q);

/* A fresh path for an image file, "<dir>/dpd-<tag>-<pid>.img", removed if
 * it exists. */
void fx_image_path(char *buf, size_t cap, const char *dir, const char *tag);

/* One engine-wide counter (DPD_STAT_*), or (uint64_t)-1. */
uint64_t fx_stat_engine(dpd_engine *e, int id);

/* Set Features Number of Queues: ask for n I/O queues; what the target
 * granted goes to *granted (may be NULL). 0, or -1 on any error status. */
int fx_set_queues(struct ini *admin, uint16_t n, uint32_t *granted);

/* The engine's log lines, from fx_log_capture (which forgets earlier ones)
 * until fx_log_release. */
void fx_log_capture(void);
void fx_log_release(void);
/* 1 when a captured line contains needle. */
int fx_log_has(const char *needle);

#endif

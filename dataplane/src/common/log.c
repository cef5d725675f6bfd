/* log.c - log sink, level filter and dpd_last_error(). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"

static int g_level = DPD_LOG_INFO;
static dpd_log_fn g_sink;
static void *g_sink_ctx;
static _Thread_local char t_last_error[512];

int dpd_log_enabled(int level) { return level >= __atomic_load_n(&g_level, __ATOMIC_RELAXED); }

void dpd_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!dpd_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dpd_log_fn fn = __atomic_load_n(&g_sink, __ATOMIC_ACQUIRE);
	if (fn)
		fn(level, msg, __atomic_load_n(&g_sink_ctx, __ATOMIC_RELAXED));
	else
		fprintf(stderr, "dpudp: %s\n", msg);
}

int set_error(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t_last_error, sizeof(t_last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *dpd_last_error(void) { return t_last_error; }

int dpd_log_set_level(int level)
{
	if (level < DPD_LOG_DEBUG || level > DPD_LOG_ERROR)
		return set_error(-EINVAL, "log level %d is not one of DPD_LOG_DEBUG..DPD_LOG_ERROR", level);
	__atomic_store_n(&g_level, level, __ATOMIC_RELAXED);
	return 0;
}

int dpd_log_set_callback(dpd_log_fn fn, void *ctx)
{
	/* ctx first, so a reader that sees the new sink also sees its ctx. */
	__atomic_store_n(&g_sink_ctx, ctx, __ATOMIC_RELAXED);
	__atomic_store_n(&g_sink, fn, __ATOMIC_RELEASE);
	return 0;
}

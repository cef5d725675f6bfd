/* log.h - logging and the thread-local "last error" text behind dpd_last_error(). */
#ifndef DPD_LOG_H
#define DPD_LOG_H

#include "dpudp.h"

void dpd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dpd_log_enabled(int level);

/* Record the failure text for dpd_last_error() and return err (a negative
 * errno) so API functions can `return set_error(-EINVAL, "...")`. */
int set_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (dpd_log_enabled(DPD_LOG_DEBUG)) dpd_log(DPD_LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) dpd_log(DPD_LOG_INFO, __VA_ARGS__)
#define log_warn(...) dpd_log(DPD_LOG_WARN, __VA_ARGS__)
#define log_error(...) dpd_log(DPD_LOG_ERROR, __VA_ARGS__)

#endif

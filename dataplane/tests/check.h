/* check.h - minimal test harness: each test is a function; CHECK records
 * the first failed condition; RUN prints "PASS name" or "FAIL name: why",
 * which the Makefile's check target counts. */
#ifndef DPD_TEST_CHECK_H
#define DPD_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int g_failed_checks;
static char g_first_failure[512];
static int g_total_failed;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			if (!g_failed_checks++)                                                  \
				snprintf(g_first_failure, sizeof(g_first_failure), "%s:%d: %s",  \
					 __FILE__, __LINE__, #cond);                             \
		}                                                                                \
	} while (0)

#define CHECK_MSG(cond, ...)                                                                     \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			if (!g_failed_checks++) {                                                \
				int n_ = snprintf(g_first_failure, sizeof(g_first_failure),     \
						  "%s:%d: %s: ", __FILE__, __LINE__, #cond);     \
				if (n_ > 0 && (size_t)n_ < sizeof(g_first_failure))              \
					snprintf(g_first_failure + n_,                           \
						 sizeof(g_first_failure) - (size_t)n_, __VA_ARGS__); \
			}                                                                        \
		}                                                                                \
	} while (0)

#define RUN(fn)                                                                                  \
	do {                                                                                     \
		g_failed_checks = 0;                                                             \
		fn();                                                                            \
		if (g_failed_checks) {                                                           \
			printf("FAIL %s: %s\n", #fn, g_first_failure);                           \
			g_total_failed++;                                                        \
		} else {                                                                         \
			printf("PASS %s\n", #fn);                                                \
		}                                                                                \
		fflush(stdout);                                                                  \
	} while (0)

#define TEST_EXIT() return g_total_failed ? 1 : 0

#endif

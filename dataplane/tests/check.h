/* check.h - the C tests' one harness: each test is a function; CHECK,
 * CHECK_MSG and CHECK_EQ_U64 record the first failed condition (and print
 * every failure to stderr), REQUIRE also ends the test there; RUN prints
 * "PASS name" or "FAIL name: why", which the Makefile's check target counts;
 * TEST_EXIT makes main fail when any did. */
#ifndef DPD_TEST_CHECK_H
#define DPD_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int g_failed_checks;
static char g_first_failure[512];
static int g_total_failed;

#define CHECK(cond) CHECK_MSG(cond, "%s", "failed")

/* a == b as unsigned 64-bit numbers; the failure shows both values. */
#define CHECK_EQ_U64(a, b)                                                                       \
	do {                                                                                     \
		unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b); \
		CHECK_MSG(va_ == vb_, "%s == %s: %llu != %llu", #a, #b, va_, vb_);               \
	} while (0)

#define CHECK_MSG(cond, ...)                                                                     \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			if (!g_failed_checks++) {                                                \
				int n_ = snprintf(g_first_failure, sizeof(g_first_failure),     \
						  "%s:%d: %s: ", __FILE__, __LINE__, #cond);     \
				if (n_ > 0 && (size_t)n_ < sizeof(g_first_failure))              \
					snprintf(g_first_failure + n_,                           \
						 sizeof(g_first_failure) - (size_t)n_, __VA_ARGS__); \
			}                                                                        \
		}                                                                                \
	} while (0)

/* CHECK, and leave the test function when it failed: for what the rest of
 * the test cannot do without (a started engine, a connected host). */
#define REQUIRE(cond)                                                                            \
	do {                                                                                     \
		int ok_ = !!(cond);                                                              \
		CHECK_MSG(ok_, "%s", #cond);                                                     \
		if (!ok_)                                                                        \
			return;                                                                  \
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

/* Hex string to bytes (test vectors); returns the decoded length. */
static inline size_t check_hex_decode(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n && i < cap; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
	return n;
}

#endif
